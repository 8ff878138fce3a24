import { OrderNotFoundError, OrderStatusError } from "../domain/errors.ts";
import { OrderStatus, statusesBefore } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Cancels an order awaiting payment: its reserved units become free, then the status becomes
 * cancelled. Idempotent on cancelled orders; paid and failed orders cannot be cancelled. Races a
 * payment on the reservation record, like orderPay. Returns true when this call cancelled the order,
 * false when it already was.
 */
export async function orderCancel(deps: LomsDeps, orderId: bigint, paymentKey?: string): Promise<boolean> {
  const order = await deps.orders.get(orderId);
  if (!order) throw new OrderNotFoundError(orderId);
  if (order.status === OrderStatus.Cancelled) return false;
  if (order.status !== OrderStatus.AwaitingPayment)
    throw new OrderStatusError(orderId, order.status, "cancel");

  await deps.orders.unverify(orderId); // a crash from here on must reach the repair job
  const before = await deps.stocks.release(orderId);
  // Sold by a concurrent payment: the order ends paid.
  if (before === "sold") throw new OrderStatusError(orderId, OrderStatus.Paid, "cancel");
  const after = await deps.orders.changeStatus(
    orderId,
    statusesBefore(OrderStatus.Cancelled),
    OrderStatus.Cancelled,
    deps.clock.now(),
    paymentKey,
  );
  if (after && after.status !== OrderStatus.Cancelled)
    throw new OrderStatusError(orderId, after.status, "cancel");
  // A concurrent cancel may have released the stock first: only the call that saw "reserved" cancelled it.
  return before === "reserved";
}
