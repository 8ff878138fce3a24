import { OrderNotFoundError } from "../domain/errors.ts";
import type { Order } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/** The order with its items sorted by sku (they are stored that way). */
export async function orderInfo(deps: Pick<LomsDeps, "orders">, orderId: bigint): Promise<Order> {
  const order = await deps.orders.get(orderId);
  if (!order) throw new OrderNotFoundError(orderId);
  return order;
}
