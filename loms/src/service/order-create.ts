import { InsufficientStockError, ReservationAbandonedError, UnknownSkuError } from "../domain/errors.ts";
import { normalizeItems, type OrderItem, OrderStatus } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Creates an order and reserves its stock, all or nothing, in two commits: the stock is reserved
 * first under an id allocated for the order, then the order is stored with the outcome — awaiting
 * payment, or failed — and both its events ("new", then the outcome) at once. A failed order is on
 * record as failed, with nothing reserved. What a crash between the two commits leaves (a reservation
 * with no order) the repair job releases (see ports.ts). Throws failed_precondition when stock is
 * short or unknown.
 */
export async function orderCreate(
  deps: LomsDeps,
  userId: bigint,
  items: readonly OrderItem[],
): Promise<bigint> {
  const lines = normalizeItems(items);
  const createdAt = deps.clock.now();
  const id = await deps.orders.newId();
  const outcome = await deps.stocks.reserve(id, lines, createdAt);
  const status = outcome.ok ? OrderStatus.AwaitingPayment : OrderStatus.Failed;
  await deps.orders.create({ id, userId, items: lines, status, createdAt, updatedAt: deps.clock.now() });
  if (outcome.ok) return id;
  switch (outcome.reason) {
    case "unknown_sku":
      throw new UnknownSkuError(id, outcome.sku);
    case "insufficient":
      throw new InsufficientStockError(id, outcome.sku, outcome.requested, outcome.available);
    case "settled":
      throw new ReservationAbandonedError(id);
  }
}
