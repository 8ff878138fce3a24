import type { OrderStatus } from "../../domain/order.ts";
import type { OrderEvent } from "../../domain/order-event.ts";
import type { OutboxSource } from "../../service/ports.ts";
import { claimUnsentEvents, countUnsentEvents, lockRelay, markEventsSent } from "./gen/outbox_sql.ts";
import type { ReplicatedDb } from "./replica.ts";

// Advisory lock keys, one per shard: any fixed numbers no other code uses.
const RELAY_LOCK_BASE = 1_000_256_100n;

/**
 * The outbox of ONE order shard. `drain` runs in one transaction on the primary: it takes the
 * shard's relay lock (another LOMS instance draining the same shard makes this call a no-op),
 * claims the oldest unsent events, publishes them and marks them sent. A failed publish rolls the
 * transaction back: the events stay unsent, in order, for the next round.
 */
export class PgShardOutbox implements OutboxSource {
  constructor(
    private readonly db: ReplicatedDb,
    private readonly shard: number,
  ) {}

  drain(limit: number, publish: (events: readonly OrderEvent[]) => Promise<void>): Promise<number> {
    return this.db.primary.begin(async (tx) => {
      if (!(await lockRelay(tx, { lockKey: RELAY_LOCK_BASE + BigInt(this.shard) }))?.locked) return 0;
      const rows = await claimUnsentEvents(tx, { max: limit });
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r) => ({
          eventId: r.eventId,
          orderId: r.orderId,
          status: r.status as OrderStatus,
          moment: r.moment,
          traceparent: r.traceparent ?? undefined,
        })),
      );
      await markEventsSent(tx, { now: new Date(), ids: rows.map((r) => r.id) });
      return rows.length;
    });
  }

  async backlog(): Promise<number> {
    return Number((await countUnsentEvents(this.db.primary))?.unsent ?? 0n);
  }
}

/** Every shard's outbox: each drain takes from the shards in turn (order only matters per order). */
export class ShardedOutbox implements OutboxSource {
  constructor(private readonly shards: readonly PgShardOutbox[]) {}

  async drain(limit: number, publish: (events: readonly OrderEvent[]) => Promise<void>): Promise<number> {
    let published = 0;
    for (const shard of this.shards) published += await shard.drain(limit, publish);
    return published;
  }

  async backlog(): Promise<number> {
    let total = 0;
    for (const shard of this.shards) total += await shard.backlog();
    return total;
  }
}
