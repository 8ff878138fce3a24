import { OrderStatus } from "../domain/order.ts";
import { orderCancel } from "./order-cancel.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Cancels orders that have been awaiting payment longer than `ttlMs`, returning their stock, in
 * batches of `batch`. Each order goes through orderCancel, so a payment racing the expiry is safe:
 * whoever settles the reservation first wins and the loser is skipped. Returns how many it cancelled.
 */
export async function expireOrders(deps: LomsDeps, ttlMs: number, batch = 100): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - ttlMs);
  let cancelled = 0;
  for (;;) {
    const stale = await deps.orders.listStale(OrderStatus.AwaitingPayment, before, batch);
    let progressed = 0;
    for (const order of stale) {
      try {
        await orderCancel(deps, order.id);
        cancelled++;
        progressed++;
      } catch {
        // Paid (or cancelled) meanwhile: nothing to expire.
      }
    }
    if (stale.length < batch || progressed === 0) return cancelled;
  }
}
