import { DomainError } from "@route256/platform";
import { OrderStatus } from "../domain/order.ts";
import { orderCancel } from "./order-cancel.ts";
import type { LomsDeps, StaleCursor } from "./ports.ts";

/**
 * Cancels orders that have been awaiting payment longer than `ttlMs`, returning their stock, a
 * batch at a time. Each order goes through orderCancel, so a payment racing the expiry is safe:
 * whoever settles the reservation first wins, and an order that turns out paid is skipped. The
 * walk pages by cursor, so orders it cannot cancel never hide younger ones. Infrastructure errors
 * propagate (the job logs the failed run). Returns how many orders this run cancelled.
 */
export async function expireOrders(deps: LomsDeps, ttlMs: number, batch = 100): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - ttlMs);
  let cancelled = 0;
  let after: StaleCursor | undefined;
  for (;;) {
    const stale = await deps.orders.listStale(OrderStatus.AwaitingPayment, before, batch, after);
    for (const order of stale) {
      try {
        if (await orderCancel(deps, order.id)) cancelled++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // Paid meanwhile (failed_precondition): nothing to expire.
      }
    }
    const last = stale.at(-1);
    if (!last || stale.length < batch) return cancelled;
    after = { updatedAt: last.updatedAt, id: last.id };
  }
}
