import type { OrderItem } from "../../domain/order.ts";
import { availableOf, type ReservationState, type Stock } from "../../domain/stock.ts";
import type { ReserveOutcome, StockRepository } from "../../service/ports.ts";

interface Reservation {
  state: ReservationState;
  readonly items: readonly OrderItem[];
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

  async reserve(orderId: bigint, items: readonly OrderItem[]): Promise<ReserveOutcome> {
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
    this.reservations.set(orderId, { state: "reserved", items });
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
    this.reservations.set(orderId, { state: "released", items: [] });
    return "released";
  }

  /** Current stock rows, for tests and invariant checks. */
  snapshot(): Stock[] {
    return [...this.stocks].map(([sku, s]) => ({ sku, ...s }));
  }

  private settle(orderId: bigint, to: "sold" | "released"): ReservationState | undefined {
    const r = this.reservations.get(orderId);
    if (!r) {
      // Nothing reserved: record the release so a late reserve() cannot succeed. Nothing to sell.
      if (to === "released") this.reservations.set(orderId, { state: "released", items: [] });
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
