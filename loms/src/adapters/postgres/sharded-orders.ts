import type { Order, OrderStatus } from "../../domain/order.ts";
import type { ClaimPurpose, NewOrder, OrderRepository, OrderState } from "../../service/ports.ts";
import type { PgShardOrders } from "./pg-orders.ts";
import { MAX_SHARDS, shardOfOrder } from "./sharding.ts";

/**
 * Orders spread over shards. New ids go round-robin (an id names its shard); every other call goes to
 * the one shard the order id names (sharding.ts), so OrderCreate's write and OrderInfo / Pay / Cancel
 * touch a single shard. Background claims walk all shards.
 */
export class ShardedOrderRepository implements OrderRepository {
  private next = 0;

  constructor(private readonly shards: readonly PgShardOrders[]) {
    if (shards.length === 0) throw new Error("at least one order shard is needed");
    if (shards.length > MAX_SHARDS)
      throw new Error(`at most ${MAX_SHARDS} order shards: ids name theirs in one digit`);
  }

  private shardOf(orderId: bigint): PgShardOrders | undefined {
    const index = shardOfOrder(orderId, this.shards.length);
    return index === undefined ? undefined : this.shards[index];
  }

  newId(): Promise<bigint> {
    return (this.shards[this.next++ % this.shards.length] as PgShardOrders).newId();
  }

  async create(order: NewOrder): Promise<void> {
    const shard = this.shardOf(order.id);
    if (!shard) throw new Error(`order id ${order.id} names no configured shard`);
    await shard.create(order);
  }

  /** Grouped by shard, one query each; a shard that fails fails the call (never "no such order"). */
  async existing(orderIds: readonly bigint[]): Promise<Set<bigint>> {
    const byShard = new Map<PgShardOrders, bigint[]>();
    for (const id of orderIds) {
      const shard = this.shardOf(id);
      if (shard) byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    const found = new Set<bigint>();
    for (const [shard, ids] of byShard) for (const id of await shard.existing(ids)) found.add(id);
    return found;
  }

  async get(orderId: bigint): Promise<Order | undefined> {
    return this.shardOf(orderId)?.get(orderId);
  }

  async changeStatus(
    orderId: bigint,
    from: readonly OrderStatus[],
    to: OrderStatus,
    now: Date,
    paymentKey?: string,
  ): Promise<OrderState | undefined> {
    return this.shardOf(orderId)?.changeStatus(orderId, from, to, now, paymentKey);
  }

  /** Payment keys are recorded on the order's shard; a key is looked up on every shard. */
  async paymentApplied(paymentKey: string): Promise<boolean> {
    for (const shard of this.shards) if (await shard.paymentApplied(paymentKey)) return true;
    return false;
  }

  async claimStale(
    purpose: ClaimPurpose,
    before: Date,
    limit: number,
    now: Date,
    leaseMs: number,
  ): Promise<Order[]> {
    const claimed: Order[] = [];
    let failure: unknown;
    for (const shard of this.shards) {
      if (claimed.length >= limit) break;
      try {
        claimed.push(...(await shard.claimStale(purpose, before, limit - claimed.length, now, leaseMs)));
      } catch (err) {
        failure ??= err; // a shard that is down must not stop the job on the others
      }
    }
    if (claimed.length === 0 && failure !== undefined) throw failure;
    return claimed;
  }

  async markVerified(orderId: bigint, version: number): Promise<void> {
    await this.shardOf(orderId)?.markVerified(orderId, version);
  }

  async unverify(orderId: bigint): Promise<void> {
    await this.shardOf(orderId)?.unverify(orderId);
  }
}
