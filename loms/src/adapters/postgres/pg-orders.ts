import { randomUUID } from "node:crypto";
import { traceparentForLater } from "@route256/platform/tracing/context";
import { type Order, OrderStatus } from "../../domain/order.ts";
import { STATUS_CHANGE } from "../../domain/order-event.ts";
import type { ClaimPurpose, NewOrder, OrderRepository, OrderState } from "../../service/ports.ts";
import {
  allocateOrderIds,
  changeOrderStatus,
  claimForExpiry,
  claimForRepair,
  existingOrders,
  type GetOrderRow,
  getOrder,
  getOrders,
  insertOrder,
  markVerified,
  unverify,
} from "./gen/orders_sql.ts";
import { insertOutboxEvent, isPaymentApplied, recordAppliedPayment } from "./gen/outbox_sql.ts";
import { OrderIdBlocks } from "./order-ids.ts";
import type { ReplicatedDb } from "./replica.ts";

/** Thrown inside a status-change transaction that found nothing to change, to roll it back. */
class NoChange extends Error {}

function toOrder(row: GetOrderRow): Order {
  const skus = row.skus ?? [];
  const counts = row.counts ?? [];
  return {
    id: row.id,
    userId: row.userId,
    status: row.status as OrderStatus,
    items: skus.map((sku, i) => ({ sku, count: Number(counts[i] ?? 0) })), // uint32: exact as a number
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

/** The orders of ONE shard (primary + synchronous replica). ShardedOrderRepository routes to it. */
export class PgShardOrders implements OrderRepository {
  private readonly ids: OrderIdBlocks;

  constructor(
    private readonly db: ReplicatedDb,
    readonly shard: number,
  ) {
    this.ids = new OrderIdBlocks(shard, async () => {
      const block = await allocateOrderIds(db.primary);
      if (!block) throw new Error("order_id_seq is missing");
      return block;
    });
  }

  newId(): Promise<bigint> {
    return this.ids.take();
  }

  async create(order: NewOrder): Promise<void> {
    const events = order.status === OrderStatus.New ? [order.createdAt] : [order.createdAt, order.updatedAt];
    // One statement, so one round trip and one commit (autocommit): no BEGIN / COMMIT of its own.
    await insertOrder(this.db.primary, {
      id: order.id,
      userId: order.userId,
      status: order.status,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
      skus: order.items.map((i) => i.sku),
      counts: order.items.map((i) => BigInt(i.count)),
      eventIds: events.map(() => randomUUID()),
      statuses: events.length === 1 ? [OrderStatus.New] : [OrderStatus.New, order.status],
      moments: events,
      traceparent: traceparentForLater(STATUS_CHANGE) ?? null,
    });
  }

  async existing(orderIds: readonly bigint[]): Promise<Set<bigint>> {
    // The primary: a replica a moment behind must not make an order look missing.
    const rows = await existingOrders(this.db.primary, { ids: [...orderIds] });
    return new Set(rows.map((r) => r.id));
  }

  async get(orderId: bigint): Promise<Order | undefined> {
    const row = await this.db.read((sql) => getOrder(sql, { id: orderId }));
    return row ? toOrder(row) : undefined;
  }

  async changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
    paymentKey?: string,
  ): Promise<OrderState | undefined> {
    const applied = await this.db.primary
      .begin(async (tx) => {
        // The key first: a redelivered payment result changes nothing, whatever the order's status.
        if (
          paymentKey !== undefined &&
          (await recordAppliedPayment(tx, { idempotentKey: paymentKey, orderId, appliedAt: now })) === 0
        ) {
          return;
        }
        const changed = await changeOrderStatus(tx, {
          status: to,
          now,
          id: orderId,
          fromStatuses: [...from],
        });
        if (changed === 0) throw new NoChange(); // roll back the key: it did not apply
        await insertOutboxEvent(tx, {
          eventId: randomUUID(),
          orderId,
          status: to,
          moment: now,
          traceparent: traceparentForLater(STATUS_CHANGE) ?? null,
        });
        return true;
      })
      .catch((err) => {
        if (!(err instanceof NoChange)) throw err;
        return false;
      });
    // Moved: the caller knows the result without reading it back (OrderCreate's common path).
    if (applied === true) return { id: orderId, status: to, updatedAt: now };
    // Not moved: what it is instead, from the primary (the caller decides on what it finds).
    const row = await getOrder(this.db.primary, { id: orderId });
    return row ? toOrder(row) : undefined;
  }

  async paymentApplied(paymentKey: string): Promise<boolean> {
    return (
      (await this.db.read((sql) => isPaymentApplied(sql, { idempotentKey: paymentKey })))?.applied ?? false
    );
  }

  async claimStale(
    purpose: ClaimPurpose,
    before: Date,
    limit: number,
    now: Date,
    leaseMs: number,
  ): Promise<Order[]> {
    const args = { leaseUntil: new Date(now.getTime() + leaseMs), before, now, max: limit };
    const claimed =
      purpose === "expiry"
        ? await claimForExpiry(this.db.primary, args)
        : await claimForRepair(this.db.primary, args);
    if (claimed.length === 0) return [];
    return (await getOrders(this.db.primary, { ids: claimed.map((r) => r.id) })).map(toOrder);
  }

  async markVerified(orderId: bigint, version: number): Promise<void> {
    await markVerified(this.db.primary, { id: orderId, version });
  }

  async unverify(orderId: bigint): Promise<void> {
    await unverify(this.db.primary, { id: orderId });
  }
}
