import type { Order, OrderItem } from "../../src/domain/order.ts";
import type { OrderRepository } from "../../src/service/ports.ts";

/**
 * Stores an order in "new", as a LOMS before the two-commit OrderCreate stored every order first (and
 * left it so when it died before reserving): what repositories and the repair job must still handle.
 */
export async function createNew(
  orders: OrderRepository,
  userId: bigint,
  items: readonly OrderItem[],
  now: Date,
): Promise<Order> {
  const order = {
    id: await orders.newId(),
    userId,
    items,
    status: "new",
    createdAt: now,
    updatedAt: now,
  } as const;
  await orders.create(order);
  return { ...order, version: 0 };
}
