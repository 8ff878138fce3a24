import type { OrderItem } from "../../domain/order.ts";
import { availableOf, type ReservationState, type Stock } from "../../domain/stock.ts";
import type { ReserveOutcome, StockRepository } from "../../service/ports.ts";

interface Reservation {
  state: ReservationState;
  readonly items: readonly OrderItem[];
  /** When the units were reserved (ms since the epoch); undefined when nothing was. */
  readonly reservedAt?: number;
  /** The repair job found the order (claimUnseen skips it from then on). */
  orderSeen: boolean;
  /** The repair job's claim runs until then (ms since the epoch); 0 = unclaimed. */
  lease: number;
}

/**
 * Stocks and reservations in memory. Every method checks and updates with no await in between, so
 * each is atomic on Bun's single thread: concurrent requests cannot interleave inside one.
 */
export class MemoryStockRepository implements StockRepository {
  private readonly stocks = new Map<bigint, { totalCount: number; reserved: number }>();
  private readonly reservations = new Map<bigint, Reservation>();

  constructor(fixture: readonly Stock[]) {
    for (const s of fixture) this.stocks.set(s.sku, { totalCount: s.totalCount, reserved: s.reserved });
  }

  async available(sku: bigint): Promise<number | undefined> {
    const s = this.stocks.get(sku);
    return s && availableOf({ sku, ...s });
  }

  async reserve(orderId: bigint, items: readonly OrderItem[], now: Date): Promise<ReserveOutcome> {
    const existing = this.reservations.get(orderId);
    if (existing)
      return existing.state === "reserved"
        ? { ok: true }
        : { ok: false, reason: "settled", state: existing.state };
    for (const { sku, count } of items) {
      const s = this.stocks.get(sku);
      if (!s) return { ok: false, reason: "unknown_sku", sku };
      const available = availableOf({ sku, ...s });
      if (available < count) return { ok: false, reason: "insufficient", sku, requested: count, available };
    }
    for (const { sku, count } of items) (this.stocks.get(sku) as { reserved: number }).reserved += count;
    this.reservations.set(orderId, {
      state: "reserved",
      items,
      reservedAt: now.getTime(),
      orderSeen: false,
      lease: 0,
    });
    return { ok: true };
  }

  async sell(orderId: bigint): Promise<ReservationState | undefined> {
    return this.settle(orderId, "sold");
  }

  async release(orderId: bigint): Promise<ReservationState | undefined> {
    return this.settle(orderId, "released");
  }

  async reservationOf(orderId: bigint): Promise<ReservationState | undefined> {
    return this.reservations.get(orderId)?.state;
  }

  async abandon(orderId: bigint): Promise<ReservationState> {
    const existing = this.reservations.get(orderId);
    if (existing) return existing.state;
    this.reservations.set(orderId, nothingReserved());
    return "released";
  }

  async claimUnseen(before: Date, limit: number, now: Date, leaseMs: number): Promise<bigint[]> {
    const candidates = [...this.reservations]
      .filter(
        ([, r]) =>
          r.state === "reserved" &&
          !r.orderSeen &&
          r.reservedAt !== undefined &&
          r.reservedAt < before.getTime() &&
          r.lease < now.getTime(),
      )
      .sort(([a, ra], [b, rb]) => (ra.reservedAt ?? 0) - (rb.reservedAt ?? 0) || Number(a - b))
      .slice(0, limit);
    for (const [, r] of candidates) r.lease = now.getTime() + leaseMs;
    return candidates.map(([orderId]) => orderId);
  }

  async markOrdersSeen(orderIds: readonly bigint[]): Promise<void> {
    for (const id of orderIds) {
      const r = this.reservations.get(id);
      if (r) {
        r.orderSeen = true;
        r.lease = 0;
      }
    }
  }

  /** Current stock rows, for tests and invariant checks. */
  snapshot(): Stock[] {
    return [...this.stocks].map(([sku, s]) => ({ sku, ...s }));
  }

  private settle(orderId: bigint, to: "sold" | "released"): ReservationState | undefined {
    const r = this.reservations.get(orderId);
    if (!r) {
      // Nothing reserved: record the release so a late reserve() cannot succeed. Nothing to sell.
      if (to === "released") this.reservations.set(orderId, nothingReserved());
      return undefined;
    }
    if (r.state !== "reserved") return r.state;
    for (const { sku, count } of r.items) {
      const s = this.stocks.get(sku) as { totalCount: number; reserved: number };
      s.reserved -= count;
      if (to === "sold") s.totalCount -= count;
    }
    r.state = to;
    return "reserved";
  }
}

/** The record of a release with nothing reserved: a late reserve() for the order cannot succeed. */
const nothingReserved = (): Reservation => ({ state: "released", items: [], orderSeen: false, lease: 0 });
