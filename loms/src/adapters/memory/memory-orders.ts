import { type Order, type OrderItem, OrderStatus } from "../../domain/order.ts";
import type { ClaimPurpose, OrderRepository } from "../../service/ports.ts";

interface Row {
  order: Order;
  /** Each job's claim runs until then (ms since the epoch); 0 = unclaimed. */
  lease: Record<ClaimPurpose, number>;
  /** The repair job checked this status; reset by every change. */
  verified: boolean;
}

/** Orders in memory; ids count up from 1. Each method is atomic (no await inside). */
export class MemoryOrderRepository implements OrderRepository {
  private readonly rows = new Map<bigint, Row>();
  private nextId = 1n;

  async create(userId: bigint, items: readonly OrderItem[], now: Date): Promise<Order> {
    const order: Order = {
      id: this.nextId++,
      userId,
      status: OrderStatus.New,
      items,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    this.rows.set(order.id, { order, lease: { expiry: 0, repair: 0 }, verified: false });
    return order;
  }

  async get(orderId: bigint): Promise<Order | undefined> {
    return this.rows.get(orderId)?.order;
  }

  async changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
  ): Promise<Order | undefined> {
    const row = this.rows.get(orderId);
    if (!row || !from.includes(row.order.status)) return row?.order;
    row.order = { ...row.order, status: to, updatedAt: now, version: row.order.version + 1 };
    row.lease = { expiry: 0, repair: 0 };
    row.verified = false;
    return row.order;
  }

  async claimStale(
    purpose: ClaimPurpose,
    before: Date,
    limit: number,
    now: Date,
    leaseMs: number,
  ): Promise<Order[]> {
    const statuses: readonly OrderStatus[] =
      purpose === "expiry" ? [OrderStatus.AwaitingPayment] : [OrderStatus.New, OrderStatus.AwaitingPayment];
    const candidates = [...this.rows.values()]
      .filter(
        (r) =>
          statuses.includes(r.order.status) &&
          r.order.updatedAt < before &&
          r.lease[purpose] < now.getTime() &&
          (purpose === "expiry" || !r.verified),
      )
      .sort(
        (a, b) =>
          a.order.updatedAt.getTime() - b.order.updatedAt.getTime() || Number(a.order.id - b.order.id),
      )
      .slice(0, limit);
    for (const r of candidates) r.lease[purpose] = now.getTime() + leaseMs;
    return candidates.map((r) => r.order);
  }

  async markVerified(orderId: bigint, version: number): Promise<void> {
    const row = this.rows.get(orderId);
    if (row && row.order.version === version) row.verified = true;
  }

  async unverify(orderId: bigint): Promise<void> {
    const row = this.rows.get(orderId);
    if (row) {
      row.verified = false;
      row.order = { ...row.order, version: row.order.version + 1 };
    }
  }
}
