import postgres from "postgres";

export type Sql = postgres.Sql<{ bigint: bigint }>;

export interface PoolOptions {
  /** Connections in the pool; PGlite's socket server takes exactly one. */
  max: number;
  /** Server-side prepared statements; off behind pgbouncer in transaction mode. */
  prepare: boolean;
}

/**
 * A postgres.js pool as LOMS uses it: int8 as bigint (ids span int64), no NOTICE noise, and a
 * statement timeout so a lock wait cannot hang a request forever. It does NOT bound a commit waiting
 * for a synchronous replica that is down: PostgreSQL keeps such a commit waiting until the replica
 * is back (that is what synchronous replication promises), so while a replica is down its shard
 * takes no writes — see README "LOMS storage".
 */
export function connectPostgres(url: string, opts: PoolOptions): Sql {
  return postgres(url, {
    max: opts.max,
    prepare: opts.prepare,
    types: { bigint: postgres.BigInt },
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
    connection: { application_name: "loms", statement_timeout: 10_000 },
  }) as unknown as Sql;
}
