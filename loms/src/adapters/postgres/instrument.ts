import { type Span, SpanKind } from "@opentelemetry/api";
import { failSpan, inSpan, tracer } from "@route256/platform/tracing/context";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Sql } from "./connect.ts";
import * as orders from "./gen/orders_sql.ts";
import * as outbox from "./gen/outbox_sql.ts";
import * as stocks from "./gen/stocks_sql.ts";
import { pipelinedBegin } from "./transaction.ts";

/** Which pool a query ran on: the shard and whether its primary or its replica. */
export interface PoolLabels {
  shard: string;
  role: "primary" | "replica";
}

export interface DbMetrics {
  readonly queryDuration: Histogram<"shard" | "role" | "query">;
  readonly inUse: Gauge<"shard" | "role">;
  readonly max: Gauge<"shard" | "role">;
  /** Busy connections per shard and role, counted in plain numbers and read into `inUse` at scrape time. */
  readonly busy: Map<string, { labels: PoolLabels; n: number }>;
}

export function createDbMetrics(registry: Registry): DbMetrics {
  const labelNames = ["shard", "role"] as const;
  const busy = new Map<string, { labels: PoolLabels; n: number }>();
  return {
    busy,
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
      // A gauge updated twice per query costs a label hash each time; a number does not.
      collect() {
        for (const { labels, n } of busy.values()) this.set({ ...labels }, n);
      },
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

/** One pool's observers, made once: the per-call path only counts, times and (if tracing records) spans. */
interface PoolObserver {
  readonly attributes: Record<string, string>;
  readonly busy: { n: number };
  /** The duration histogram's child per query name ("other" for text sqlc did not generate). */
  duration(name: string | undefined): { observe(seconds: number): void };
}

/**
 * The same pool, observed: every query run through `unsafe` (all the sqlc-generated queries) gets a
 * CLIENT span and a duration sample, every `begin` a transaction span its queries nest in, and the
 * pool's busy connections are counted. Transactions send BEGIN with their first statement
 * (transaction.ts). Other calls pass through untouched.
 */
export function instrumentSql(sql: Sql, labels: PoolLabels, metrics: DbMetrics, poolMax: number): Sql {
  metrics.max.set({ ...labels }, poolMax);
  const key = `${labels.shard}/${labels.role}`;
  const busy = metrics.busy.get(key) ?? { labels: { ...labels }, n: 0 };
  metrics.busy.set(key, busy);
  const children = new Map<string, { observe(seconds: number): void }>();
  const pool: PoolObserver = {
    attributes: dbAttributes(labels),
    busy,
    duration(name = "other") {
      let child = children.get(name);
      if (!child) {
        child = metrics.queryDuration.labels({ ...labels, query: name });
        children.set(name, child);
      }
      return child;
    },
  };
  return observed(sql, pool, false);
}

function observed(sql: Sql, pool: PoolObserver, inTransaction: boolean): Sql {
  const unsafe = (text: string, params?: unknown[], options?: object) =>
    observeQuery(sql.unsafe(text, params as never, options), text, pool, inTransaction);
  const begin = (...args: unknown[]) => {
    const body = args.pop() as (tx: Sql) => Promise<unknown>;
    return inSpan("BEGIN", { kind: SpanKind.CLIENT, attributes: pool.attributes }, async () => {
      pool.busy.n++;
      try {
        const run = (tx: Sql) => body(observed(tx, pool, true));
        // begin(options, body) (an isolation level) is left to postgres.js; LOMS's own are begin(body).
        return args.length === 0
          ? await pipelinedBegin(sql, run)
          : await (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args, run);
      } finally {
        pool.busy.n--;
      }
    });
  };
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === "unsafe") return unsafe;
      if (prop === "begin" && !inTransaction) return begin;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function observeQuery<Q extends PromiseLike<unknown>>(
  query: Q,
  text: string,
  pool: PoolObserver,
  inTransaction: boolean,
): Q {
  const name = QUERY_NAMES.get(text);
  const span: Span = tracer().startSpan(name ?? firstWord(text), { kind: SpanKind.CLIENT });
  // Attributes only for a span that records them (with no exporter, spans are ids only).
  if (span.isRecording()) {
    span.setAttributes({
      ...pool.attributes,
      "db.query.text": text,
      ...(name ? { "db.query.summary": name } : {}),
    });
  }
  const duration = pool.duration(name);
  const started = performance.now();
  // A transaction already holds its connection (counted by `begin`); a lone query takes one.
  if (!inTransaction) pool.busy.n++;
  const done = (err?: unknown) => {
    if (!inTransaction) pool.busy.n--;
    duration.observe((performance.now() - started) / 1000);
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

function dbAttributes(labels: PoolLabels): Record<string, string> {
  return { "db.system.name": "postgresql", "loms.shard": labels.shard, "loms.db.role": labels.role };
}

function firstWord(text: string): string {
  return /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
}
