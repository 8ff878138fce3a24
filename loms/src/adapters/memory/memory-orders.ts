import { randomUUID } from "node:crypto";
import { traceparentForLater } from "@route256/platform/tracing/context";
import { type Order, OrderStatus } from "../../domain/order.ts";
import { type OrderEvent, STATUS_CHANGE } from "../../domain/order-event.ts";
import type { ClaimPurpose, NewOrder, OrderRepository, OutboxSource } from "../../service/ports.ts";

interface Row {
  order: Order;
  /** Each job's claim runs until then (ms since the epoch); 0 = unclaimed. */
  lease: Record<ClaimPurpose, number>;
  /** The repair job checked this status; reset by every change. */
  verified: boolean;
}

/**
 * Orders in memory, with their outbox; ids count up from 1 (newId). Each method is atomic (no await inside
 * between a check and its update), so a status change and its outbox event are one unit.
 */
export class MemoryOrderRepository implements OrderRepository, OutboxSource {
  private readonly rows = new Map<bigint, Row>();
  private readonly appliedPayments = new Set<string>();
  private readonly outbox: OrderEvent[] = [];
  private readonly watchers = new Set<() => void>();
  /** Events before this index are published. */
  private sent = 0;
  private draining = false;
  private nextId = 1n;

  async newId(): Promise<bigint> {
    return this.nextId++;
  }

  async create(order: NewOrder): Promise<void> {
    if (this.rows.has(order.id)) throw new Error(`order ${order.id} exists already`);
    const stored: Order = { ...order, version: 0 };
    this.rows.set(order.id, { order: stored, lease: { expiry: 0, repair: 0 }, verified: false });
    const traceparent = traceparentForLater(STATUS_CHANGE);
    this.record({
      eventId: randomUUID(),
      orderId: order.id,
      status: "new",
      moment: order.createdAt,
      traceparent,
    });
    if (order.status !== OrderStatus.New) {
      this.record({
        eventId: randomUUID(),
        orderId: order.id,
        status: order.status,
        moment: order.updatedAt,
        traceparent,
      });
    }
  }

  async existing(orderIds: readonly bigint[]): Promise<Set<bigint>> {
    return new Set(orderIds.filter((id) => this.rows.has(id)));
  }

  async get(orderId: bigint): Promise<Order | undefined> {
    return this.rows.get(orderId)?.order;
  }

  async changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
    paymentKey?: string,
  ): Promise<Order | undefined> {
    const row = this.rows.get(orderId);
    if (!row || !from.includes(row.order.status)) return row?.order;
    if (paymentKey !== undefined) {
      if (this.appliedPayments.has(paymentKey)) return row.order;
      this.appliedPayments.add(paymentKey);
    }
    row.order = { ...row.order, status: to, updatedAt: now, version: row.order.version + 1 };
    row.lease = { expiry: 0, repair: 0 };
    row.verified = false;
    this.record({
      eventId: randomUUID(),
      orderId,
      status: to,
      moment: now,
      traceparent: traceparentForLater(STATUS_CHANGE),
    });
    return row.order;
  }

  async paymentApplied(paymentKey: string): Promise<boolean> {
    return this.appliedPayments.has(paymentKey);
  }

  async drain(limit: number, publish: (events: readonly OrderEvent[]) => Promise<void>): Promise<number> {
    // One drain at a time, like the relay lock on a PostgreSQL shard: order must hold.
    if (this.draining) return 0;
    this.draining = true;
    try {
      const batch = this.outbox.slice(this.sent, this.sent + limit);
      if (batch.length === 0) return 0;
      await publish(batch);
      this.sent += batch.length;
      return batch.length;
    } finally {
      this.draining = false;
    }
  }

  async backlog(): Promise<number> {
    return this.outbox.length - this.sent;
  }

  async watch(wake: () => void): Promise<() => Promise<void>> {
    this.watchers.add(wake);
    return async () => {
      this.watchers.delete(wake);
    };
  }

  /** Appends to the outbox and, once the current change is done, wakes whoever watches it. */
  private record(event: OrderEvent): void {
    this.outbox.push(event);
    for (const wake of this.watchers) queueMicrotask(wake);
  }

  /** Every event written so far, published or not (tests). */
  events(): readonly OrderEvent[] {
    return this.outbox;
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
