// LOMS on the PostgreSQL cluster publishing through its outbox to a real Kafka broker, and
// consuming payment results: the SPEC's event contract, end to end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startKafka, type TestKafka } from "@route256/testkit/kafka";
import { startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { lomsEnv } from "../postgres/support.ts";
import { eventually, paymentsProducer, watchOrderEvents } from "./support.ts";

let cluster: TestPgCluster;
let kafka: TestKafka;
let loms: SpawnedService;
let events: Awaited<ReturnType<typeof watchOrderEvents>>;

beforeAll(async () => {
  // One after another: each picks free ports, and picking them concurrently can collide.
  cluster = await startPgCluster();
  kafka = await startKafka();
  loms = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: lomsEnv(cluster, { LOMS_EVENTS: "kafka", LOMS_KAFKA_BROKERS: kafka.bootstrap }),
    timeoutMs: 60_000,
  });
  events = await watchOrderEvents(kafka.bootstrap, "test-observer");
}, 120_000);

afterAll(async () => {
  await events?.close();
  expect(await loms.stop()).toBe(0);
  await Promise.all([kafka.destroy(), cluster.destroy()]);
}, 60_000);

const rest = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${loms.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};
const create = (items: { sku: number; count: number }[]) =>
  rest("POST", "/order/create", { userId: 1, items });
const failedIdOf = (reply: Record<string, unknown>) =>
  /order (\d+)/.exec(String(reply.message))?.[1] as string;

describe("order events on loms.order-events", () => {
  test("create → new, awaiting payment; exact JSON value, key = order id, event-id header", async () => {
    const { orderId } = (await create([{ sku: 1076963, count: 1 }])) as { orderId: string };
    expect(await eventually(() => events.statusesOf(orderId).length === 2)).toBe(true);
    expect(events.statusesOf(orderId)).toEqual(["new", "awaiting payment"]);
    const e = events.seen.find((x) => x.key === orderId) as (typeof events.seen)[number];
    expect(e.value).toMatch(
      /^\{"order_id":\d+,"status":"new","moment":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/,
    );
    expect(String(e.body.order_id)).toBe(orderId);
    expect(Object.keys(e.body)).toEqual(["order_id", "status", "moment"]);
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("every event carries a traceparent in the trace of the request that made the change", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const { orderId } = (await rest(
      "POST",
      "/order/create",
      { userId: 1, items: [{ sku: 1076963, count: 1 }] },
      {
        traceparent,
      },
    )) as { orderId: string };
    await rest("POST", "/order/cancel", { orderId }); // a request of its own: a trace of its own
    expect(await eventually(() => events.statusesOf(orderId).length === 3)).toBe(true);
    const [created, awaiting, cancelled] = events.seen.filter((e) => e.key === orderId);
    const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
    for (const e of [created, awaiting]) {
      const [, trace, span] = W3C.exec(e?.traceparent ?? "") ?? [];
      expect(trace).toBe(traceId);
      expect(span).not.toBe("00f067aa0ba902b7"); // the producer span's own id, a child in that trace
    }
    const other = W3C.exec(cancelled?.traceparent ?? "")?.[1];
    expect(other).toMatch(/^[0-9a-f]{32}$/);
    expect(other).not.toBe(traceId);
  });

  test("an order beyond stock → new, failed", async () => {
    const orderId = failedIdOf(await create([{ sku: 139819069, count: 1 }]));
    expect(await eventually(() => events.statusesOf(orderId).length === 2)).toBe(true);
    expect(events.statusesOf(orderId)).toEqual(["new", "failed"]);
  });

  test("pay → paid; cancel → cancelled; each order's events on one partition, in order", async () => {
    const a = ((await create([{ sku: 1148162, count: 1 }])) as { orderId: string }).orderId;
    const b = ((await create([{ sku: 1148162, count: 1 }])) as { orderId: string }).orderId;
    await rest("POST", "/order/pay", { orderId: a });
    await rest("POST", "/order/cancel", { orderId: b });
    expect(
      await eventually(() => events.statusesOf(a).length === 3 && events.statusesOf(b).length === 3),
    ).toBe(true);
    expect(events.statusesOf(a)).toEqual(["new", "awaiting payment", "paid"]);
    expect(events.statusesOf(b)).toEqual(["new", "awaiting payment", "cancelled"]);
    for (const id of [a, b])
      expect(new Set(events.seen.filter((e) => e.key === id).map((e) => e.partition)).size).toBe(1);
  });
});

describe("the payment saga (topic payments)", () => {
  test("COMPLETED pays, FAILED cancels and returns stock, a repeated key changes nothing, malformed is skipped", async () => {
    const stock = async () => ((await rest("GET", "/stock/info?sku=2618151")) as { count: number }).count;
    const before = await stock();
    const paid = ((await create([{ sku: 2618151, count: 2 }])) as { orderId: string }).orderId;
    const failed = ((await create([{ sku: 2618151, count: 3 }])) as { orderId: string }).orderId;
    const untouched = ((await create([{ sku: 2618151, count: 1 }])) as { orderId: string }).orderId;
    const key = crypto.randomUUID();
    const producer = paymentsProducer(kafka.bootstrap);
    const send = (value: string) => producer.send({ messages: [{ topic: "payments", key: "k", value }] });
    await send(`{"idempotent_key":"${key}","order_id":${paid},"status":"COMPLETED"}`);
    await send("this is not a payment result");
    await send(`{"idempotent_key":"${crypto.randomUUID()}","order_id":${failed},"status":"FAILED"}`);
    // The same key again, now naming another order: already applied, so it changes nothing.
    await send(`{"idempotent_key":"${key}","order_id":${untouched},"status":"FAILED"}`);
    await producer.close();

    const statusOf = async (id: string) => (await rest("GET", `/order/info?orderId=${id}`)).status;
    expect(await eventually(async () => (await statusOf(failed)) === "cancelled")).toBe(true);
    expect(await statusOf(paid)).toBe("paid");
    // The duplicate came after the FAILED message on the same partition (same key "k"): it has been read.
    expect(await statusOf(untouched)).toBe("awaiting payment");
    expect(await stock()).toBe(before - 2 - 1); // 2 sold, 3 returned, 1 still reserved
    const metrics = await (await fetch(`${loms.url}/metrics`)).text();
    expect(metrics).toContain('loms_payment_results_total{outcome="malformed",app="loms"} 1');
    expect(metrics).toContain('loms_payment_results_total{outcome="duplicate",app="loms"} 1');
  });
});

describe("Kafka down for 30 s", () => {
  test("orders keep working; every event arrives after the broker returns, per order in order", async () => {
    await kafka.stop();
    const ids: string[] = [];
    const started = performance.now();
    while (performance.now() - started < 30_000) {
      const reply = await create([{ sku: 1625903, count: 1 }]);
      expect(reply.orderId).toBeDefined(); // the outbox keeps the event; the caller is not affected
      const id = reply.orderId as string;
      ids.push(id);
      if (ids.length % 3 === 0) await rest("POST", "/order/pay", { orderId: id });
      await Bun.sleep(1_000);
    }
    const backlog = await (await fetch(`${loms.url}/metrics`)).text();
    expect(Number(/loms_outbox_backlog\{app="loms"\} (\d+)/.exec(backlog)?.[1])).toBeGreaterThan(0);
    await kafka.start();
    // The relay publishes the whole backlog once the broker is back...
    const backlogNow = async () =>
      Number(
        /loms_outbox_backlog\{app="loms"\} (\d+)/.exec(
          await (await fetch(`${loms.url}/metrics`)).text(),
        )?.[1],
      );
    expect(await eventually(async () => (await backlogNow()) === 0, 60_000)).toBe(true);
    // ...and every event reaches a consumer.
    const expected = (i: number) =>
      i % 3 === 2 ? ["new", "awaiting payment", "paid"] : ["new", "awaiting payment"];
    expect(
      await eventually(
        () => ids.every((id, i) => events.statusesOf(id).length >= expected(i).length),
        60_000,
      ),
    ).toBe(true);
    ids.forEach((id, i) => {
      // Duplicates are possible in Kafka (a retried batch); order never changes, and the notifier
      // drops repeats by event id.
      const unique = [
        ...new Map(events.seen.filter((e) => e.key === id).map((e) => [e.eventId, e.body.status])).values(),
      ];
      expect(unique).toEqual(expected(i));
    });
    // ...and the payments consumer, which lost the broker too (its loop starts over with a new
    // client), applies results again.
    const after = ((await create([{ sku: 1625903, count: 1 }])) as { orderId: string }).orderId;
    const producer = paymentsProducer(kafka.bootstrap);
    await producer.send({
      messages: [
        {
          topic: "payments",
          key: after,
          value: `{"idempotent_key":"${crypto.randomUUID()}","order_id":${after},"status":"COMPLETED"}`,
        },
      ],
    });
    await producer.close();
    const status = async () => (await rest("GET", `/order/info?orderId=${after}`)).status;
    expect(await eventually(async () => (await status()) === "paid", 60_000)).toBe(true);
  }, 240_000);
});
