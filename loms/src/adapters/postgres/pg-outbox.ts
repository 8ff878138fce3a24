import type { OrderStatus } from "../../domain/order.ts";
import type { OrderEvent } from "../../domain/order-event.ts";
import type { OutboxSource } from "../../service/ports.ts";
import { connectPostgres } from "./connect.ts";
import { claimUnsentEvents, countUnsentEvents, lockRelay, markEventsSent } from "./gen/outbox_sql.ts";
import type { ReplicatedDb } from "./replica.ts";

/** The channel the outbox trigger notifies (migration 20261205000002_outbox_notify.sql). */
const OUTBOX_CHANNEL = "loms_outbox";

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
  /**
   * `listenUrls`: one per shard, where LISTEN works — the primary itself, not a pgbouncer in
   * transaction mode (which hands the session's connection to others between transactions).
   * Empty: no notifications, the relay polls.
   */
  constructor(
    private readonly shards: readonly PgShardOutbox[],
    private readonly listenUrls: readonly string[] = [],
  ) {}

  async watch(wake: () => void): Promise<() => Promise<void>> {
    if (this.listenUrls.length === 0) return async () => {}; // polling only, as configured
    // One connection per shard, apart from the pools: postgres.js re-listens after a reconnect.
    const listeners = this.listenUrls.map((url) => connectPostgres(url, { max: 1, prepare: false }));
    try {
      for (const sql of listeners) await sql.listen(OUTBOX_CHANNEL, wake);
    } catch (err) {
      await Promise.all(listeners.map((sql) => sql.end({ timeout: 1 })));
      throw err;
    }
    return async () => {
      await Promise.all(listeners.map((sql) => sql.end({ timeout: 1 })));
    };
  }

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
