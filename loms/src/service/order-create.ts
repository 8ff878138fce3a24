import { InsufficientStockError, ReservationAbandonedError, UnknownSkuError } from "../domain/errors.ts";
import { normalizeItems, type OrderItem, OrderStatus, statusesBefore } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Creates an order and reserves its stock, all or nothing. The order is stored first (status new),
 * so a failed one is still on record as failed; then one atomic reservation of every item; then
 * the status records the outcome. Throws failed_precondition when stock is short or unknown.
 */
export async function orderCreate(
  deps: LomsDeps,
  userId: bigint,
  items: readonly OrderItem[],
): Promise<bigint> {
  const lines = normalizeItems(items);
  const order = await deps.orders.create(userId, lines, deps.clock.now());
  const outcome = await deps.stocks.reserve(order.id, lines);
  if (outcome.ok) {
    await deps.orders.changeStatus(
      order.id,
      statusesBefore(OrderStatus.AwaitingPayment),
      OrderStatus.AwaitingPayment,
      deps.clock.now(),
    );
    return order.id;
  }
  await deps.orders.changeStatus(
    order.id,
    statusesBefore(OrderStatus.Failed),
    OrderStatus.Failed,
    deps.clock.now(),
  );
  switch (outcome.reason) {
    case "unknown_sku":
      throw new UnknownSkuError(order.id, outcome.sku);
    case "insufficient":
      throw new InsufficientStockError(order.id, outcome.sku, outcome.requested, outcome.available);
    case "settled":
      throw new ReservationAbandonedError(order.id);
  }
}
