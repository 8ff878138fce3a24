// What the instrumented pools report on a real cluster: a span per sqlc query nested in its
// transaction's span, the outbox row keeping the request's trace context, and the db_* metrics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SpanKind } from "@opentelemetry/api";
import { inSpan, untraced } from "@route256/platform/tracing/context";
import type { TestPgCluster } from "@route256/testkit/pg-cluster";
import { recordSpans, type SpanRecorder } from "@route256/testkit/span-recorder";
import { Registry } from "prom-client";
import type { PostgresStorage } from "../../src/adapters/postgres/storage.ts";
import type { OrderEvent } from "../../src/domain/order-event.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { CLUSTER_TIMEOUT_MS, openStorage, startCluster } from "./support.ts";

let cluster: TestPgCluster;
let storage: PostgresStorage;
let recorder: SpanRecorder;
const registry = new Registry();

beforeAll(async () => {
  cluster = await startCluster();
  recorder = recordSpans();
  storage = await openStorage(cluster, { registry, poolMax: 4 });
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await storage?.close();
  await recorder?.stop();
  await cluster?.destroy();
}, CLUSTER_TIMEOUT_MS);

const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];

describe("instrumented PostgreSQL pools", () => {
  test("queries are CLIENT spans named by sqlc, inside their transaction's span, in the caller's trace", async () => {
    recorder.reset();
    const traceId = await inSpan("OrderCreate", {}, async (span) => {
      await orderCreate(storage.deps, 1n, [{ sku: 1076963n, count: 1 }]);
      return span.spanContext().traceId;
    });
    const spans = recorder.spans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    // the reservation: a transaction of several queries
    const claim = spans.find((s) => s.name === "ClaimReservation");
    const begin = spans.find((s) => s.spanContext().spanId === claim?.parentSpanContext?.spanId);
    expect(begin?.name).toBe("BEGIN");
    expect(claim?.kind).toBe(SpanKind.CLIENT);
    // the order with its items and events: one statement, no transaction span of its own
    const insert = spans.find((s) => s.name === "InsertOrder");
    expect(insert?.kind).toBe(SpanKind.CLIENT);
    expect(insert?.attributes["db.system.name"]).toBe("postgresql");
    expect(insert?.attributes["db.query.text"]).toContain("INSERT INTO orders");
    expect(spans.find((s) => s.spanContext().spanId === insert?.parentSpanContext?.spanId)?.name).not.toBe(
      "BEGIN",
    );
  });

  test("the outbox row keeps the traceparent of the change; drained events carry it", async () => {
    const traceparent = await inSpan("OrderCreate", {}, async (span) => {
      await orderCreate(storage.deps, 2n, [{ sku: 1076963n, count: 1 }]);
      return `00-${span.spanContext().traceId}`;
    });
    const drained: OrderEvent[] = [];
    await storage.outbox.drain(1000, async (events) => {
      drained.push(...events);
    });
    const ofThisRequest = drained.filter((e) => e.traceparent?.startsWith(traceparent));
    expect(ofThisRequest.map((e) => e.status)).toEqual(["new", "awaiting payment"]);
    // Made outside any trace (as background jobs work): the change still starts a trace of its own,
    // one for the order's two events, which are written together.
    await untraced(() => orderCreate(storage.deps, 3n, [{ sku: 1076963n, count: 1 }]));
    const later: OrderEvent[] = [];
    await storage.outbox.drain(1000, async (events) => {
      later.push(...events);
    });
    const traces = later.map((e) => /^00-([0-9a-f]{32})-/.exec(e.traceparent ?? "")?.[1]);
    expect(traces).toHaveLength(2);
    expect(new Set(traces).size).toBe(1);
    expect(traces.every((t) => t !== undefined && !traceparent.includes(t))).toBe(true);
  });

  test("db_query_duration_seconds by query, db_pool_max per pool, db_pool_in_use back to 0 when idle", async () => {
    await orderCreate(storage.deps, 4n, [{ sku: 1076963n, count: 1 }]);
    const counts = (await metric("db_query_duration_seconds")).filter(
      (v) => (v as { metricName?: string }).metricName === "db_query_duration_seconds_count",
    );
    const createOrder = counts.find((v) => v.labels.query === "InsertOrder");
    expect(createOrder?.value).toBeGreaterThanOrEqual(1);
    expect(createOrder?.labels.role).toBe("primary");
    const max = await metric("db_pool_max");
    expect(max.map((v) => `${v.labels.shard}/${v.labels.role}=${v.value}`).sort()).toEqual([
      "0/primary=4",
      "0/replica=4",
      "1/primary=4",
      "1/replica=4",
    ]);
    expect((await metric("db_pool_in_use")).every((v) => v.value === 0)).toBe(true);
  });
});
