import { type Order, OrderStatus } from "../domain/order.ts";
import { oneByOne, walkClaims } from "./claim-loop.ts";
import type { LomsDeps } from "./ports.ts";

export type RepairOutcome = "consistent" | "awaiting payment" | "failed" | "paid" | "cancelled";

/**
 * Settles an order a crash may have left half-way, from the reservation record — the one source of
 * truth about its stock. ("new" orders come only from a LOMS before the two-commit OrderCreate,
 * which stored the order before reserving; today an order is stored with its outcome.)
 *   new + reserved                → awaiting payment (created, reserved, status never written)
 *   new + no reservation          → failed (nothing was reserved; `abandon` makes sure nothing will be)
 *   new + released                → failed
 *   awaiting payment + sold       → paid (a payment stopped between stock and status)
 *   awaiting payment + released   → cancelled (a cancellation or expiry stopped half-way, or the
 *                                   reservation was released as orphaned before a slow create wrote it)
 *   awaiting payment + reserved   → consistent
 * Every move is a compare-and-set from the status it saw, so racing a live request is safe.
 */
export async function repairOrder(deps: LomsDeps, order: Order): Promise<RepairOutcome> {
  const now = deps.clock.now();
  const move = async (to: OrderStatus): Promise<RepairOutcome> => {
    const after = await deps.orders.changeStatus(order.id, [order.status], to, now);
    // Ours only if it carries our timestamp: a live request may have made the same move first.
    return after?.status === to && after.updatedAt.getTime() === now.getTime()
      ? (to as RepairOutcome)
      : "consistent";
  };
  if (order.status === OrderStatus.New) {
    const state = (await deps.stocks.reservationOf(order.id)) ?? (await deps.stocks.abandon(order.id));
    if (state === "reserved") return move(OrderStatus.AwaitingPayment);
    return move(OrderStatus.Failed);
  }
  if (order.status === OrderStatus.AwaitingPayment) {
    const state = await deps.stocks.reservationOf(order.id);
    if (state === "sold") return move(OrderStatus.Paid);
    if (state === "released") return move(OrderStatus.Cancelled);
  }
  await deps.orders.markVerified(order.id, order.version);
  return "consistent";
}

/** How long an order may sit in new / awaiting payment before repair looks at it: longer than any live request. */
export const REPAIR_GRACE_MS = 30_000;

export interface RepairOptions {
  /** How old an order's last change, or a reservation, must be before repair looks at it. */
  graceMs: number;
  /** Items claimed per round trip. */
  batch: number;
  /** How long a claim keeps other repair instances off an item. */
  leaseMs: number;
}

/**
 * One repair pass: first reservations whose order never appeared (released), then orders in new /
 * awaiting payment not verified since their last change (repairOrder); all older than `graceMs`.
 * Returns how many it changed.
 */
export async function repairOrders(deps: LomsDeps, opts: RepairOptions): Promise<number> {
  return (await releaseOrphans(deps, opts)) + (await repairStaleOrders(deps, opts));
}

/** Claims orders in new / awaiting payment not verified since their last change, and settles each. */
function repairStaleOrders(deps: LomsDeps, opts: RepairOptions): Promise<number> {
  return walkClaims({
    claim: () => {
      const now = deps.clock.now();
      return deps.orders.claimStale("repair", graceCutoff(now, opts), opts.batch, now, opts.leaseMs);
    },
    batch: opts.batch,
    key: (order) => order.id,
    settle: oneByOne(async (order) => (await repairOrder(deps, order)) !== "consistent"),
  });
}

/**
 * Releases reservations whose order never appeared: OrderCreate reserves under the order's id first
 * and writes the order second, so a LOMS that died in between leaves stock reserved for nobody.
 * Reservations older than the grace period are checked against their shards; found orders are marked
 * seen for good (orders are never deleted), the rest released (compare-and-set on "reserved"). A
 * create slower than the grace period whose order comes after the release ends awaiting payment with
 * its reservation released, which repairOrder cancels. A shard that cannot answer fails the run:
 * "no answer" is never taken for "no order".
 */
function releaseOrphans(deps: LomsDeps, opts: RepairOptions): Promise<number> {
  return walkClaims({
    claim: () => {
      const now = deps.clock.now();
      return deps.stocks.claimUnseen(graceCutoff(now, opts), opts.batch, now, opts.leaseMs);
    },
    batch: opts.batch,
    key: (orderId) => orderId,
    settle: async (orderIds) => {
      const found = await deps.orders.existing(orderIds);
      if (found.size > 0) await deps.stocks.markOrdersSeen([...found]);
      let released = 0;
      for (const id of orderIds)
        if (!found.has(id) && (await deps.stocks.release(id)) === "reserved") released++;
      return released;
    },
  });
}

const graceCutoff = (now: Date, opts: RepairOptions) => new Date(now.getTime() - opts.graceMs);
