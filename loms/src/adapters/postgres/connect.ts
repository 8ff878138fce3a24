import postgres from "postgres";

export type Sql = postgres.Sql<{ bigint: bigint }>;

export interface PoolOptions {
  /** Connections in the pool; PGlite's socket server takes exactly one. */
  max: number;
  /** Server-side prepared statements; off behind pgbouncer in transaction mode. */
  prepare: boolean;
}

/**
 * A postgres.js pool as LOMS uses it: int8 as bigint (ids span int64), no NOTICE noise, and
 * statements time out rather than hang forever (a synchronous replica that is down blocks commits).
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
