import { OrderNotFoundError, OrderStatusError } from "../domain/errors.ts";
import { OrderStatus, statusesBefore } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Pays an order: its reserved units are sold, then the status becomes paid. Idempotent: paying a
 * paid order succeeds and changes nothing, and concurrent payments of one order all succeed while
 * the units are sold once (sell() is keyed by order id). Paying races a cancel on the reservation
 * record: whichever settles it first wins, the other gets failed_precondition.
 */
export async function orderPay(deps: LomsDeps, orderId: bigint, paymentKey?: string): Promise<void> {
  const order = await deps.orders.get(orderId);
  if (!order) throw new OrderNotFoundError(orderId);
  if (order.status === OrderStatus.Paid) return;
  if (order.status !== OrderStatus.AwaitingPayment) throw new OrderStatusError(orderId, order.status, "pay");

  await deps.orders.unverify(orderId); // a crash from here on must reach the repair job
  const before = await deps.stocks.sell(orderId);
  if (before !== "reserved" && before !== "sold") {
    // Released by a concurrent cancel or the expiry job: the order ends cancelled.
    throw new OrderStatusError(orderId, OrderStatus.Cancelled, "pay");
  }
  const after = await deps.orders.changeStatus(
    orderId,
    statusesBefore(OrderStatus.Paid),
    OrderStatus.Paid,
    deps.clock.now(),
    paymentKey,
  );
  if (after && after.status !== OrderStatus.Paid) throw new OrderStatusError(orderId, after.status, "pay");
}
