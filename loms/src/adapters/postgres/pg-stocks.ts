import type { OrderItem } from "../../domain/order.ts";
import { availableOf, type ReservationState } from "../../domain/stock.ts";
import type { ReserveOutcome, StockRepository } from "../../service/ports.ts";
import {
  addReserved,
  claimReservation,
  claimUnseenReservations,
  freeReservedUnits,
  getReservationState,
  getStock,
  insertReservationItems,
  lockReservedStocks,
  lockStocks,
  markOrdersSeen,
  recordRelease,
  sellReservedUnits,
  settleReservation,
} from "./gen/stocks_sql.ts";
import type { ReplicatedDb } from "./replica.ts";

/** Thrown inside a reserve transaction to roll it back and report why. */
class Refused extends Error {
  constructor(readonly outcome: ReserveOutcome) {
    super("reservation refused");
  }
}

/**
 * Stocks and reservations in PostgreSQL. Every method is one transaction on the stock database's
 * primary; stock rows are locked in sku order, always after the order's reservation row, so
 * concurrent orders queue instead of deadlocking and never oversell.
 */
export class PgStockRepository implements StockRepository {
  constructor(private readonly db: ReplicatedDb) {}

  async available(sku: bigint): Promise<number | undefined> {
    const row = await this.db.read((sql) => getStock(sql, { sku }));
    return row
      ? availableOf({ sku, totalCount: Number(row.totalCount), reserved: Number(row.reserved) })
      : undefined;
  }

  async reserve(orderId: bigint, items: readonly OrderItem[], now: Date): Promise<ReserveOutcome> {
    const skus = items.map((i) => i.sku);
    const counts = items.map((i) => BigInt(i.count));
    try {
      return await this.db.primary.begin(async (tx) => {
        // The reservation row first: it serializes retries of the same order.
        if ((await claimReservation(tx, { orderId, now })) === 0) {
          const state = (await getReservationState(tx, { orderId }))?.state as ReservationState | undefined;
          if (state === "reserved") return { ok: true } as const;
          throw new Refused({ ok: false, reason: "settled", state: state === "sold" ? "sold" : "released" });
        }
        const rows = new Map((await lockStocks(tx, { skus })).map((r) => [r.sku, r]));
        for (const { sku, count } of items) {
          const row = rows.get(sku);
          if (!row) throw new Refused({ ok: false, reason: "unknown_sku", sku });
          const available = availableOf({
            sku,
            totalCount: Number(row.totalCount),
            reserved: Number(row.reserved),
          });
          if (available < count)
            throw new Refused({ ok: false, reason: "insufficient", sku, requested: count, available });
        }
        await addReserved(tx, { skus, counts });
        await insertReservationItems(tx, { orderId, skus, counts });
        return { ok: true } as const;
      });
    } catch (err) {
      if (err instanceof Refused) return err.outcome;
      throw err;
    }
  }

  async sell(orderId: bigint): Promise<ReservationState | undefined> {
    return this.settle(orderId, "sold");
  }

  async release(orderId: bigint): Promise<ReservationState | undefined> {
    return this.settle(orderId, "released");
  }

  async reservationOf(orderId: bigint): Promise<ReservationState | undefined> {
    const row = await this.db.read((sql) => getReservationState(sql, { orderId }));
    return row?.state as ReservationState | undefined;
  }

  async abandon(orderId: bigint): Promise<ReservationState> {
    return this.db.primary.begin(async (tx) => {
      if ((await recordRelease(tx, { orderId })) === 1) return "released";
      return (await getReservationState(tx, { orderId }))?.state as ReservationState;
    });
  }

  async claimUnseen(before: Date, limit: number, now: Date, leaseMs: number): Promise<bigint[]> {
    const rows = await claimUnseenReservations(this.db.primary, {
      leaseUntil: new Date(now.getTime() + leaseMs),
      before,
      now,
      max: limit,
    });
    return rows.map((r) => r.orderId);
  }

  async markOrdersSeen(orderIds: readonly bigint[]): Promise<void> {
    await markOrdersSeen(this.db.primary, { orderIds: [...orderIds] });
  }

  private settle(orderId: bigint, to: "sold" | "released"): Promise<ReservationState | undefined> {
    return this.db.primary.begin(async (tx) => {
      if ((await settleReservation(tx, { state: to, orderId })) === 0) {
        const state = (await getReservationState(tx, { orderId }))?.state as ReservationState | undefined;
        // Nothing reserved: record the release so a late reserve() cannot succeed.
        if (state === undefined && to === "released") await recordRelease(tx, { orderId });
        return state;
      }
      await lockReservedStocks(tx, { orderId });
      if (to === "sold") await sellReservedUnits(tx, { orderId });
      else await freeReservedUnits(tx, { orderId });
      return "reserved";
    });
  }
}
