import type { Logger } from "@route256/platform/logger";
import { Registry } from "prom-client";
import type { Clock, LomsDeps, OutboxSource } from "../../service/ports.ts";
import { connectPostgres, type PoolOptions } from "./connect.ts";
import { createDbMetrics, instrumentSql, type PoolLabels } from "./instrument.ts";
import { migrate } from "./migrate.ts";
import { PgShardOrders } from "./pg-orders.ts";
import { PgShardOutbox, ShardedOutbox } from "./pg-outbox.ts";
import { PgStockRepository } from "./pg-stocks.ts";
import { ReplicatedDb } from "./replica.ts";
import { ShardedOrderRepository } from "./sharded-orders.ts";

export interface PostgresStorage {
  readonly deps: LomsDeps;
  readonly outbox: OutboxSource;
  /** Readiness: every primary answers. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * LOMS on PostgreSQL: one ReplicatedDb per shard (primary + synchronous replica), migrations
 * applied to every primary, orders sharded by id, stocks on the chosen shard's database. Every
 * pool is instrumented (instrument.ts): query spans, and db_* metrics in `registry`.
 */
export async function openPostgresStorage(opts: {
  shards: { primary: string; replica?: string }[];
  /** Where the relay LISTENs for new events, one per shard (see ShardedOutbox); none: it polls. */
  listenUrls?: string[];
  stockShard: number;
  pool: PoolOptions;
  clock: Clock;
  logger: Logger;
  registry?: Registry;
}): Promise<PostgresStorage> {
  const metrics = createDbMetrics(opts.registry ?? new Registry());
  const pool = (url: string, labels: PoolLabels) =>
    instrumentSql(connectPostgres(url, opts.pool), labels, metrics, opts.pool.max);
  const dbs = opts.shards.map(
    (s, i) =>
      new ReplicatedDb(
        pool(s.primary, { shard: String(i), role: "primary" }),
        s.replica ? pool(s.replica, { shard: String(i), role: "replica" }) : undefined,
      ),
  );
  try {
    for (const db of dbs) await migrate(db.primary, opts.logger);
  } catch (err) {
    await Promise.all(dbs.map((db) => db.end()));
    throw err;
  }
  const stockDb = dbs[opts.stockShard] as ReplicatedDb;
  return {
    deps: {
      orders: new ShardedOrderRepository(dbs.map((db, i) => new PgShardOrders(db, i))),
      stocks: new PgStockRepository(stockDb),
      clock: opts.clock,
    },
    outbox: new ShardedOutbox(
      dbs.map((db, i) => new PgShardOutbox(db, i)),
      opts.listenUrls,
    ),
    async ready() {
      try {
        await Promise.all(dbs.map((db) => db.primary`SELECT 1`));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all(dbs.map((db) => db.end()));
    },
  };
}
