import type { Order, OrderItem, OrderStatus } from "../domain/order.ts";
import type { OrderEvent } from "../domain/order-event.ts";
import type { ReservationState } from "../domain/stock.ts";

/*
 * Ports of the LOMS use cases. Unit of work: EVERY method below is one atomic unit — in memory a
 * synchronous section with no await between a check and its update, in PostgreSQL one transaction
 * (one commit). Orders and stocks may live in different databases (order shards vs. the stock
 * database), so no transaction can span both; OrderCreate / OrderPay / OrderCancel are therefore
 * small sagas of these units, each idempotent per order id, and whatever a crash leaves half-way is
 * settled by the repair job from the reservation record (the one source of truth about an order's
 * stock):
 *   OrderCreate  orders.newId (no commit) → stocks.reserve (commit 1, stock database; nothing is
 *                committed when it is refused) → orders.create with the outcome, "awaiting payment"
 *                or "failed", and both events, "new" then the outcome (commit 2, the order's shard).
 *                Dying between the two leaves a reservation with no order: the repair job releases
 *                it once it is older than the grace period (a request slower than that, whose order
 *                comes after the release, is settled by "awaiting payment + released → cancelled").
 *   OrderPay     orders.unverify → stocks.sell → orders.changeStatus(paid)
 *   OrderCancel  orders.unverify → stocks.release → orders.changeStatus(cancelled)
 */

export type ReserveOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "unknown_sku"; readonly sku: bigint }
  | {
      readonly ok: false;
      readonly reason: "insufficient";
      readonly sku: bigint;
      readonly requested: number;
      readonly available: number;
    }
  /** The order's reservation was already settled (sold or released): nothing was reserved now. */
  | { readonly ok: false; readonly reason: "settled"; readonly state: Exclude<ReservationState, "reserved"> };

export interface StockRepository {
  /** Units available for sale, or undefined when the sku is not stocked. */
  available(sku: bigint): Promise<number | undefined>;
  /**
   * Reserves every item for the order, or nothing (a refusal commits nothing). Idempotent: an order
   * already reserved is ok again without reserving twice. Items must be normalized (one line per
   * sku, sku order). `now` dates the reservation for the repair job (claimUnseen).
   */
  reserve(orderId: bigint, items: readonly OrderItem[], now: Date): Promise<ReserveOutcome>;
  /**
   * Sells an order's reserved units (total and reserved both fall). Returns the state before the
   * call: "reserved" (sold now), "sold" (already sold: no change), "released" or undefined (nothing
   * to sell: no change).
   */
  sell(orderId: bigint): Promise<ReservationState | undefined>;
  /**
   * Frees an order's reserved units. Returns the state before the call, like sell(). An order with
   * no reservation gets a "released" record, so a late reserve() for it can no longer succeed.
   */
  release(orderId: bigint): Promise<ReservationState | undefined>;
  /** The order's reservation state, for repair. */
  reservationOf(orderId: bigint): Promise<ReservationState | undefined>;
  /**
   * For the repair job giving up on an order stuck in "new": records "released" only when the order
   * has no reservation at all, atomically, so a reserve() still on its way can no longer succeed.
   * Returns the state after the call ("reserved" when the reserve came first).
   */
  abandon(orderId: bigint): Promise<ReservationState>;
  /**
   * Claims up to `limit` reservations for the repair job, for `leaseMs`: still reserved, made before
   * `before`, oldest first, whose order the job has not seen yet (markOrdersSeen) and no live claim
   * holds. Exclusive among repair instances across LOMS processes, like OrderRepository.claimStale.
   * Returns their order ids.
   */
  claimUnseen(before: Date, limit: number, now: Date, leaseMs: number): Promise<bigint[]>;
  /** The repair job found these reservations' orders: they are never claimed again. */
  markOrdersSeen(orderIds: readonly bigint[]): Promise<void>;
}

export type ClaimPurpose = "expiry" | "repair";

/** What a status change tells its caller: the status the order has now, and since when. */
export type OrderState = Pick<Order, "id" | "status" | "updatedAt">;

/** An order as OrderCreate stores it, once its reservation has an outcome. */
export interface NewOrder {
  /** From OrderRepository.newId. */
  readonly id: bigint;
  readonly userId: bigint;
  /** Normalized: one line per sku, sku order. */
  readonly items: readonly OrderItem[];
  /**
   * "awaiting payment" or "failed", the reservation's outcome. ("new" is what a LOMS before the
   * two-commit OrderCreate stored first; the repair job still settles such orders.)
   */
  readonly status: OrderStatus;
  /** When the order came in: its "new" event. */
  readonly createdAt: Date;
  /** When its reservation was decided: the outcome's event, and where the expiry clock starts. */
  readonly updatedAt: Date;
}

export interface OrderRepository {
  /**
   * A fresh order id, unique across LOMS processes, allocated before the order exists (stocks are
   * reserved under it first). Naming the order's shard is the repository's business (sharding.ts);
   * allocating commits nothing on the common path.
   */
  newId(): Promise<bigint>;
  /**
   * Stores a new order with its items and its events — "new", then its status unless that is "new"
   * — in one unit of work.
   */
  create(order: NewOrder): Promise<void>;
  /** Which of these orders exist, as of now (the repair job: reservations whose order never came). */
  existing(orderIds: readonly bigint[]): Promise<Set<bigint>>;
  get(orderId: bigint): Promise<Order | undefined>;
  /**
   * Compare-and-set: moves the order to `to` only if its status is one of `from`, and writes the
   * change to the outbox in the same unit of work. With a `paymentKey` (a result from the payments
   * topic) the key is recorded in that unit too, and an already recorded key changes nothing.
   * Returns where the order stands after the call (changed or not), or undefined when there is none.
   */
  changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
    paymentKey?: string,
  ): Promise<OrderState | undefined>;
  /** Whether a payments-topic result with this key was applied before. */
  paymentApplied(paymentKey: string): Promise<boolean>;
  /**
   * Claims up to `limit` orders for a background job, for `leaseMs`: orders no live claim holds,
   * last changed before `before`, oldest first. "expiry": orders awaiting payment. "repair": orders
   * in new or awaiting payment that the repair job has not verified since their last change.
   * Claims are exclusive among the instances of one job across LOMS processes (FOR UPDATE SKIP
   * LOCKED in PostgreSQL; each job has its own claim, so expiry and repair never wait on each other)
   * and end when the order changes status or the lease runs out (a claimer that died), so a job
   * walking through claims is never stuck on orders it could not act on.
   */
  claimStale(
    purpose: ClaimPurpose,
    before: Date,
    limit: number,
    now: Date,
    leaseMs: number,
  ): Promise<Order[]>;
  /**
   * The repair job found the order consistent at `version`: unless it moved since, skip it from
   * now on. Its claim just runs out, so the same job run never takes it up twice.
   */
  markVerified(orderId: bigint, version: number): Promise<void>;
  /**
   * Asks the repair job to look at the order again. Pay and cancel call it BEFORE touching stock,
   * and bump its version, so a crash between the stock step and the status change is repaired even
   * for an order the
   * repair job had already verified (once that job's short claim on it has run out). Leaves claims
   * alone — the expiry job cancels through the same code — and does not count as a change (the
   * expiry clock keeps running).
   */
  unverify(orderId: bigint): Promise<void>;
}

/** Time, injected so jobs and tests control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface LomsDeps {
  readonly orders: OrderRepository;
  readonly stocks: StockRepository;
  readonly clock: Clock;
}

/** Publishes order events in the order given (Kafka, or the in-process bus of the embedded mode). */
export interface EventPublisher {
  publish(events: readonly OrderEvent[]): Promise<void>;
}

/**
 * The unsent events of the outbox. `drain` hands up to `limit` of them, oldest first, to `publish`
 * and marks them sent only when it resolves; when it throws nothing is marked and the same events
 * come again next time (so per-order order holds). Returns how many were published.
 */
export interface OutboxSource {
  drain(limit: number, publish: (events: readonly OrderEvent[]) => Promise<void>): Promise<number>;
  /** Events written but not yet published (for metrics). */
  backlog(): Promise<number>;
  /**
   * Calls `wake` soon after new events are committed, so the relay need not wait for its next poll
   * (a hint: it may come late, twice or not at all). Resolves to a function that stops it.
   */
  watch?(wake: () => void): Promise<() => Promise<void>>;
}
