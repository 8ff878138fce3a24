import { type Order, type OrderItem, OrderStatus } from "../../domain/order.ts";
import type { OrderRepository, StaleCursor } from "../../service/ports.ts";

/** Orders in memory; ids count up from 1. Each method is atomic (no await inside). */
export class MemoryOrderRepository implements OrderRepository {
  private readonly orders = new Map<bigint, Order>();
  private nextId = 1n;

  async create(userId: bigint, items: readonly OrderItem[], now: Date): Promise<Order> {
    const order: Order = {
      id: this.nextId++,
      userId,
      status: OrderStatus.New,
      items,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(order.id, order);
    return order;
  }

  async get(orderId: bigint): Promise<Order | undefined> {
    return this.orders.get(orderId);
  }

  async changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
  ): Promise<Order | undefined> {
    const order = this.orders.get(orderId);
    if (!order || !from.includes(order.status)) return order;
    const changed = { ...order, status: to, updatedAt: now };
    this.orders.set(orderId, changed);
    return changed;
  }

  async listStale(status: OrderStatus, before: Date, limit: number, after?: StaleCursor): Promise<Order[]> {
    const stale: Order[] = [];
    for (const order of this.orders.values()) {
      if (order.status === status && order.updatedAt < before && (!after || compareStale(order, after) > 0)) {
        stale.push(order);
      }
    }
    return stale.sort(compareStale).slice(0, limit);
  }
}

/** Order of stale-order listings: by last change, then by id. */
function compareStale(a: StaleCursor, b: StaleCursor): number {
  const byTime = a.updatedAt.getTime() - b.updatedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
