import { type Span, SpanKind } from "@opentelemetry/api";
import { failSpan, inSpan, tracer } from "@route256/platform";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Sql } from "./connect.ts";
import * as orders from "./gen/orders_sql.ts";
import * as outbox from "./gen/outbox_sql.ts";
import * as stocks from "./gen/stocks_sql.ts";

/** Which pool a query ran on: the shard and whether its primary or its replica. */
export interface PoolLabels {
  shard: string;
  role: "primary" | "replica";
}

export interface DbMetrics {
  readonly queryDuration: Histogram<"shard" | "role" | "query">;
  readonly inUse: Gauge<"shard" | "role">;
  readonly max: Gauge<"shard" | "role">;
}

export function createDbMetrics(registry: Registry): DbMetrics {
  const labelNames = ["shard", "role"] as const;
  return {
    queryDuration: new Histogram({
      name: "db_query_duration_seconds",
      help: "PostgreSQL query time as LOMS sees it (queue wait for a connection included), by shard, role and sqlc query name",
      labelNames: [...labelNames, "query"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    inUse: new Gauge({
      name: "db_pool_in_use",
      help: "Connections busy: open transactions plus queries running outside one",
      labelNames,
      registers: [registry],
    }),
    max: new Gauge({
      name: "db_pool_max",
      help: "Connections the pool may open",
      labelNames,
      registers: [registry],
    }),
  };
}

// sqlc query text → its name ("GetOrder"), from the generated modules' exported `<name>Query`
// constants: spans and metric labels name the query, never its (unbounded) text or values.
const QUERY_NAMES = new Map<string, string>();
for (const module of [orders, outbox, stocks]) {
  for (const [exported, value] of Object.entries(module)) {
    if (exported.endsWith("Query") && typeof value === "string") {
      const name = exported.slice(0, -"Query".length);
      QUERY_NAMES.set(value, name.charAt(0).toUpperCase() + name.slice(1));
    }
  }
}

/**
 * The same pool, observed: every query run through `unsafe` (all the sqlc-generated queries) gets a
 * CLIENT span and a duration sample, every `begin` a transaction span its queries nest in, and the
 * pool's busy connections are counted. Other calls pass through untouched.
 */
export function instrumentSql(sql: Sql, labels: PoolLabels, metrics: DbMetrics, poolMax: number): Sql {
  metrics.max.set({ ...labels }, poolMax);
  return observed(sql, labels, metrics, false);
}

function observed(sql: Sql, labels: PoolLabels, metrics: DbMetrics, inTransaction: boolean): Sql {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === "unsafe") {
        return (text: string, params?: unknown[], options?: object) =>
          observeQuery(target.unsafe(text, params as never, options), text, labels, metrics, inTransaction);
      }
      if (prop === "begin" && !inTransaction) {
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: Sql) => unknown;
          return inSpan("BEGIN", { kind: SpanKind.CLIENT, attributes: dbAttributes(labels) }, async () => {
            metrics.inUse.inc({ ...labels });
            try {
              return await (target.begin as (...a: unknown[]) => Promise<unknown>)(...args, (tx: Sql) =>
                body(observed(tx, labels, metrics, true)),
              );
            } finally {
              metrics.inUse.dec({ ...labels });
            }
          });
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function observeQuery<Q extends PromiseLike<unknown>>(
  query: Q,
  text: string,
  labels: PoolLabels,
  metrics: DbMetrics,
  inTransaction: boolean,
): Q {
  const name = QUERY_NAMES.get(text);
  const span: Span = tracer().startSpan(name ?? firstWord(text), {
    kind: SpanKind.CLIENT,
    attributes: {
      ...dbAttributes(labels),
      "db.query.text": text,
      ...(name ? { "db.query.summary": name } : {}),
    },
  });
  const started = performance.now();
  // A transaction already holds its connection (counted by `begin`); a lone query takes one.
  if (!inTransaction) metrics.inUse.inc({ ...labels });
  const done = (err?: unknown) => {
    if (!inTransaction) metrics.inUse.dec({ ...labels });
    metrics.queryDuration.observe(
      { ...labels, query: name ?? "other" },
      (performance.now() - started) / 1000,
    );
    if (err !== undefined) failSpan(span, err);
    span.end();
  };
  // postgres.js queries are lazy and start on the first `then`; the caller's `.values()` etc. still
  // apply, because execution begins a microtask later (see postgres/src/query.js handle()).
  query.then(
    () => done(),
    (err: unknown) => done(err ?? new Error("query failed")),
  );
  return query;
}

function dbAttributes(labels: PoolLabels) {
  return { "db.system.name": "postgresql", "loms.shard": labels.shard, "loms.db.role": labels.role };
}

function firstWord(text: string): string {
  return /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
}
