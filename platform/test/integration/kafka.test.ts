import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  Admin,
  Consumer,
  compatibilityPartitioner,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";
import { startKafka, type TestKafka } from "@route256/testkit/kafka";

// A real Apache Kafka broker (scripts/kafka-local.sh, as `just infra up` runs it) with the settings the
// services use: an idempotent, keyed producer and a consumer group that commits by hand after processing.

type Msg = Message<string, string, string, string>;
type Stream = MessagesStream<string, string, string, string>;
const TOPIC = "loms.order-events";
const GROUP = "t";

let kafka: TestKafka;
let admin: Admin;
let producer: Producer<string, string, string, string>;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  kafka = await startKafka();
  admin = new Admin({ clientId: "test-admin", bootstrapBrokers: [kafka.bootstrap] });
  producer = new Producer({
    clientId: "test-producer",
    bootstrapBrokers: [kafka.bootstrap],
    serializers: stringSerializers,
    idempotent: true, // acks=all, one in flight, sequence numbers: a retry never duplicates or reorders
    retries: 5, // finite: with idempotent, retries <= 1 means "retry forever"
    retryDelay: 200,
    partitioner: compatibilityPartitioner, // same partition per key as the Java client
  });
}, 180_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await producer?.close().catch(() => {});
  await admin?.close().catch(() => {});
  await kafka?.destroy();
}, 30_000);

interface OrderEvent {
  orderId: string;
  seq: number;
}

function event(orderId: string, seq: number) {
  return {
    topic: TOPIC,
    key: orderId,
    value: JSON.stringify({ orderId, seq } satisfies OrderEvent),
    headers: { "event-id": `${orderId}/${seq}`, "content-type": "application/json" },
  };
}

function consumer(clientId: string): Consumer<string, string, string, string> {
  const c = new Consumer({
    clientId,
    groupId: GROUP,
    bootstrapBrokers: [kafka.bootstrap],
    deserializers: stringDeserializers,
    autocommit: false, // the default (true) commits as soon as a batch is fetched, before it is processed
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: 200,
  });
  closers.push(() => c.close(true));
  return c;
}

async function subscribe(c: Consumer<string, string, string, string>): Promise<Stream> {
  return await c.consume({
    topics: [TOPIC],
    mode: MessagesStreamModes.COMMITTED, // the default (latest) ignores the group's committed offsets
    fallbackMode: MessagesStreamFallbackModes.EARLIEST, // a group without offsets starts at the beginning
  });
}

/** The next `n` messages of the stream, each committed once handled; fails after `timeoutMs`. */
async function take(stream: Stream, n: number, timeoutMs = 20_000): Promise<Msg[]> {
  const got: Msg[] = [];
  const it = stream[Symbol.asyncIterator]();
  const deadline = performance.now() + timeoutMs;
  while (got.length < n) {
    const left = deadline - performance.now();
    const next = await Promise.race([it.next(), Bun.sleep(Math.max(0, left)).then(() => "timeout" as const)]);
    if (next === "timeout") throw new Error(`got ${got.length} of ${n} messages within ${timeoutMs} ms`);
    if (next.done) throw new Error(`stream ended after ${got.length} of ${n} messages`);
    got.push(next.value);
    await next.value.commit();
  }
  return got;
}

/** Nothing more arrives on the stream within `ms` (what a consumer must not re-read). */
async function quiet(stream: Stream, ms: number): Promise<Msg | undefined> {
  const it = stream[Symbol.asyncIterator]();
  const next = await Promise.race([it.next(), Bun.sleep(ms).then(() => undefined)]);
  return next && !next.done ? next.value : undefined;
}

async function committedOffsets(): Promise<Map<number, bigint>> {
  const [group] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
  const topic = group?.topics.find((t) => t.name === TOPIC);
  return new Map((topic?.partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset]));
}

const ORDERS = ["101", "102", "103", "104", "105", "106"];
const SEQS = [1, 2, 3, 4, 5];

describe("startKafka", () => {
  test("a broker on loopback with the project's topics, 2 partitions each", async () => {
    expect(kafka.bootstrap).toBe(`127.0.0.1:${kafka.port}`);
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining(["loms.order-events", "payments"]));
    const meta = await admin.metadata({ topics: ["loms.order-events", "payments"] });
    expect(meta.topics.get("loms.order-events")?.partitionsCount).toBe(2);
    expect(meta.topics.get("payments")?.partitionsCount).toBe(2);
  });

  test("idempotent keyed producer -> group consumer: per-key order, headers intact, manual commit", async () => {
    // interleaved across orders, in order per order: seq 1 of every order, then seq 2, …
    const partitionOf = new Map<string, Set<number>>();
    for (const seq of SEQS) {
      const result = await producer.send({ messages: ORDERS.map((o) => event(o, seq)) });
      expect(result.offsets?.length).toBeGreaterThan(0);
    }

    const c = consumer("c1");
    const stream = await subscribe(c);
    const got = await take(stream, ORDERS.length * SEQS.length);
    const byOrder = new Map<string, number[]>();
    for (const m of got) {
      const body = JSON.parse(m.value) as OrderEvent;
      expect(m.key).toBe(body.orderId);
      expect(m.headers.get("event-id")).toBe(`${body.orderId}/${body.seq}`);
      expect(m.headers.get("content-type")).toBe("application/json");
      byOrder.set(m.key, [...(byOrder.get(m.key) ?? []), body.seq]);
      partitionOf.set(m.key, (partitionOf.get(m.key) ?? new Set()).add(m.partition));
    }
    for (const o of ORDERS) {
      expect(byOrder.get(o)).toEqual(SEQS); // per-key order kept
      expect(partitionOf.get(o)?.size).toBe(1); // a key always lands on the same partition
    }
    // both partitions used (6 keys, murmur2): the consumer read from each
    expect(new Set(got.map((m) => m.partition))).toEqual(new Set([0, 1]));

    await stream.close();
    await c.close();
    const committed = await committedOffsets();
    const total = [...committed.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBe(BigInt(ORDERS.length * SEQS.length));
  }, 60_000);

  test("a restarted consumer of the group does not re-read committed messages", async () => {
    await producer.send({ messages: [event("201", 1), event("202", 1), event("201", 2)] });
    const c = consumer("c2");
    const stream = await subscribe(c);
    const got = await take(stream, 3);
    expect(got.map((m) => m.headers.get("event-id")).sort()).toEqual(["201/1", "201/2", "202/1"]);
    expect(await quiet(stream, 1_000)).toBeUndefined();
    await stream.close();
    await c.close();
  }, 60_000);

  test("broker down: the producer fails within a bounded time; after start() it sends, offsets are kept", async () => {
    const before = await committedOffsets();
    await kafka.stop();

    const t0 = performance.now();
    const outcome = await Promise.race([
      producer.send({ messages: [event("301", 1)] }).then(
        () => "sent",
        (e: Error) => `failed: ${(e as { code?: string }).code ?? e.message}`,
      ),
      Bun.sleep(30_000).then(() => "still waiting after 30 s"),
    ]);
    const elapsed = performance.now() - t0;
    expect(outcome).toStartWith("failed");
    expect(elapsed).toBeLessThan(30_000);
    console.log(`send with the broker down: ${outcome} after ${Math.round(elapsed)} ms`);

    await kafka.start();
    expect(await committedOffsets()).toEqual(before); // the group's offsets survived the restart

    await producer.send({ messages: [event("302", 1), event("302", 2)] }); // the same producer recovers
    const c = consumer("c3");
    const stream = await subscribe(c);
    const got = await take(stream, 2);
    // the first thing the group reads after the restart is the new message: nothing committed is re-read
    expect(got.map((m) => m.headers.get("event-id"))).toEqual(["302/1", "302/2"]);
    expect(await quiet(stream, 1_000)).toBeUndefined();
    await stream.close();
    await c.close();
  }, 120_000);
});
