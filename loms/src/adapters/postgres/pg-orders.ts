import type { Order, OrderItem, OrderStatus } from "../../domain/order.ts";
import type { ClaimPurpose, OrderRepository } from "../../service/ports.ts";
import {
  changeOrderStatus,
  claimForExpiry,
  claimForRepair,
  createOrder,
  type GetOrderRow,
  getOrder,
  getOrders,
  insertOrderItems,
  markVerified,
  unverify,
} from "./gen/orders_sql.ts";
import type { ReplicatedDb } from "./replica.ts";

function toOrder(row: GetOrderRow): Order {
  const skus = row.skus ?? [];
  const counts = row.counts ?? [];
  return {
    id: row.id,
    userId: row.userId,
    status: row.status as OrderStatus,
    items: skus.map((sku, i) => ({ sku, count: counts[i] ?? 0 })),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

/** The orders of ONE shard (primary + synchronous replica). ShardedOrderRepository routes to it. */
export class PgShardOrders implements OrderRepository {
  constructor(
    private readonly db: ReplicatedDb,
    readonly shard: number,
  ) {}

  async create(userId: bigint, items: readonly OrderItem[], now: Date): Promise<Order> {
    return this.db.primary.begin(async (tx) => {
      const created = await createOrder(tx, { shard: BigInt(this.shard), userId, now });
      if (!created) throw new Error("CreateOrder returned no row");
      await insertOrderItems(tx, {
        orderId: created.id,
        skus: items.map((i) => i.sku),
        counts: items.map((i) => i.count),
      });
      return { id: created.id, userId, status: "new", items, createdAt: now, updatedAt: now, version: 0 };
    });
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
  ): Promise<Order | undefined> {
    await changeOrderStatus(this.db.primary, { status: to, now, id: orderId, fromStatuses: [...from] });
    // From the primary: the caller decides on what it finds, and it must be this write's result.
    const row = await getOrder(this.db.primary, { id: orderId });
    return row ? toOrder(row) : undefined;
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
