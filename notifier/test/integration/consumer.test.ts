import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startKafka, type TestKafka } from "@route256/testkit/kafka";
import { Registry } from "prom-client";
import { MemoryDedupeStore } from "../../src/adapters/memory-dedupe.ts";
import { createNotificationHandler } from "../../src/service/handler.ts";
import type { NotificationHandler } from "../../src/service/ports.ts";
import { type RunningConsumer, startOrderEventsConsumer } from "../../src/transport/consumer.ts";
import { createNotifierMetrics, type NotifierMetrics } from "../../src/transport/metrics.ts";
import { eventually } from "../support/async.ts";
import {
  createTopic,
  EventProducer,
  interleave,
  orderHistories,
  type PublishedEvent,
  partitionOf,
} from "../support/kafka.ts";
import { captureLogger, type LogLine, printed } from "../support/log.ts";

// The consumer in this process against a real broker: what happens to offsets when handling fails,
// when a member leaves, and when the broker goes away.

let kafka: TestKafka;

beforeAll(async () => {
  kafka = await startKafka();
}, 180_000);

afterAll(async () => {
  await kafka?.destroy();
}, 60_000);

interface Member {
  consumer: RunningConsumer;
  metrics: NotifierMetrics;
  registry: Registry;
  lines: LogLine[];
}

function startMember(
  topic: string,
  groupId: string,
  handler?: (real: NotificationHandler) => NotificationHandler,
): Member {
  const { logger, lines } = captureLogger("info");
  const registry = new Registry();
  const metrics = createNotifierMetrics(registry);
  const real = createNotificationHandler({ dedupe: new MemoryDedupeStore(), logger });
  const consumer = startOrderEventsConsumer({
    brokers: [kafka.bootstrap],
    topic,
    groupId,
    clientId: `notifier-test-${groupId}`,
    sessionTimeoutMs: 6_000,
    heartbeatMs: 500,
    lagIntervalMs: 200,
    handler: handler ? handler(real) : real,
    logger,
    metrics,
  });
  return { consumer, metrics, registry, lines };
}

const printedIds = (m: Member) => printed(m.lines).map((l) => String(l.eventId));
const count = async (m: Member, result: string) =>
  (await m.metrics.events.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
const lagOf = async (m: Member) => (await m.metrics.lag.get()).values.map((v) => v.value);

function expectInOrder(lines: LogLine[], histories: PublishedEvent[][]): void {
  for (const h of histories) {
    const own = lines.filter((l) => l.orderId === String(h[0]?.orderId)).map((l) => l.eventId);
    expect(own).toEqual(h.map((e) => e.eventId));
  }
}

describe("startOrderEventsConsumer on a real broker", () => {
  test("a handling failure commits nothing: the event is read again and printed once, in order", async () => {
    const topic = "orders-retry-test";
    await createTopic(kafka.bootstrap, topic);
    const histories = orderHistories("retry", 4, 500n);
    const events = interleave(histories);
    const target = histories[1]?.[1]?.eventId; // the 2nd change of the 2nd order fails once
    let failures = 0;
    const member = startMember(topic, "retry", (real) => ({
      async handle(event) {
        if (event.eventId === target && failures++ === 0) throw new Error("unexpected failure");
        return real.handle(event);
      },
    }));
    const producer = new EventProducer(kafka.bootstrap, topic);
    try {
      await eventually("joined", () => member.consumer.ready());
      await producer.publish(events);
      await producer.publishRaw("500", "{}", "retry-garbage");
      await eventually("every event printed", () => printedIds(member).length === events.length, {
        state: () => printedIds(member),
      });
      await eventually("lag back to 0", async () => {
        const lag = await lagOf(member);
        return lag.length === 2 && lag.every((v) => v === 0);
      });

      expect(failures).toBe(2); // failed once, then handled
      expect((await member.metrics.restarts.get()).values[0]?.value).toBe(1);
      expect(printedIds(member).sort()).toEqual(events.map((e) => e.eventId).sort()); // each once
      expectInOrder(printed(member.lines), histories);
      expect(await count(member, "malformed")).toBe(1);
      expect(member.lines.some((l) => l.msg.includes("stream failed"))).toBe(true);
    } finally {
      await member.consumer.close();
    }

    // Everything was committed, the malformed message too: a new member with an empty dedupe
    // store starts after it all and prints nothing.
    const next = startMember(topic, "retry");
    try {
      await eventually("the new member joined and sees no lag", async () => {
        const lag = await lagOf(next);
        return next.consumer.ready() && lag.length === 2 && lag.every((v) => v === 0);
      });
      expect(printed(next.lines)).toEqual([]);
    } finally {
      await next.consumer.close();
    }
    await producer.close();
  }, 120_000);

  test("a burst is handled concurrently across orders: each order's lines in order, each printed once, all committed", async () => {
    const topic = "orders-burst-test";
    await createTopic(kafka.bootstrap, topic);
    const histories = orderHistories("burst", 20, 9_007_199_254_740_993n); // ids a double would round
    const events = interleave(histories);
    let inFlight = 0;
    let maxInFlight = 0;
    const member = startMember(topic, "burst", (real) => ({
      async handle(event) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await real.handle(event);
        } finally {
          inFlight--;
        }
      },
    }));
    const producer = new EventProducer(kafka.bootstrap, topic);
    try {
      await eventually("joined", () => member.consumer.ready());
      await producer.publish(events); // one send: fetched together, handled as batches
      await producer.publish(events.slice(0, 10)); // published twice (a producer's retry): printed once
      await eventually("every event printed", () => printedIds(member).length === events.length, {
        state: () => printedIds(member).length,
      });
      await eventually("every message handled, the repeats as duplicates", async () => {
        return (await count(member, "duplicate")) === 10;
      });
      await eventually("lag back to 0", async () => {
        const lag = await lagOf(member);
        return lag.length === 2 && lag.every((v) => v === 0);
      });
      expect(maxInFlight).toBeGreaterThan(1); // orders side by side, not one message at a time
      expect(printedIds(member).sort()).toEqual(events.map((e) => e.eventId).sort()); // each once
      expectInOrder(printed(member.lines), histories);
    } finally {
      await member.consumer.close();
      await producer.close();
    }
  }, 120_000);

  test("the lag is the broker's: messages after the group's committed offset, while one is stuck in handling", async () => {
    const topic = "orders-lag-test";
    await createTopic(kafka.bootstrap, topic);
    const [history] = orderHistories("lag", 1, 900n); // one order: 3 changes on one partition
    const events = history as PublishedEvent[];
    const stuck = Promise.withResolvers<void>();
    const member = startMember(topic, "lag", (real) => ({
      async handle(event) {
        if (event.eventId === events[1]?.eventId) await stuck.promise; // the 2nd change hangs
        return real.handle(event);
      },
    }));
    const producer = new EventProducer(kafka.bootstrap, topic);
    const partition = String(partitionOf(events[0]?.orderId as bigint));
    const lagByPartition = async () =>
      Object.fromEntries((await member.metrics.lag.get()).values.map((v) => [v.labels.partition, v.value]));
    try {
      await eventually("joined", () => member.consumer.ready());
      // The first change alone (handled and committed), then the other two: a fetched batch is
      // committed as one, so a change published with the stuck one would be held back with it.
      await producer.publish(events.slice(0, 1));
      await eventually("the first change printed", () => printedIds(member).length === 1);
      await producer.publish(events.slice(1));
      // 1 committed of 3: 2 behind on the order's partition; nothing published on the other.
      let lag: Record<string, number> = {};
      await eventually(
        "lag 2 on the order's partition",
        async () => {
          lag = await lagByPartition();
          return lag[partition] === 2;
        },
        { state: () => lag },
      );
      expect(Object.values(await lagByPartition()).sort()).toEqual([0, 2]);
      stuck.resolve();
      await eventually("lag back to 0", async () => {
        const lag = await lagOf(member);
        return lag.length === 2 && lag.every((v) => v === 0);
      });
      expect(printedIds(member)).toEqual(events.map((e) => e.eventId));
    } finally {
      stuck.resolve();
      await member.consumer.close();
      await producer.close();
    }
  }, 60_000);

  test("close() with a batch in hand finishes and commits it first: nothing of it is printed again", async () => {
    const topic = "orders-graceful-test";
    await createTopic(kafka.bootstrap, topic);
    const histories = orderHistories("graceful", 4, 1_100n);
    const events = interleave(histories);
    const inHand = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const first = startMember(topic, "graceful", (real) => ({
      async handle(event) {
        if (event.eventId === histories[0]?.[1]?.eventId) {
          inHand.resolve();
          await release.promise; // held until close() has begun
        }
        return real.handle(event);
      },
    }));
    const producer = new EventProducer(kafka.bootstrap, topic);
    try {
      await eventually("joined", () => first.consumer.ready());
      await producer.publish(events);
      await inHand.promise;
      const closed = first.consumer.close();
      release.resolve();
      await closed;
      expect(printedIds(first)).toContain(histories[0]?.[1]?.eventId as string); // finished, not dropped

      // A new member (empty dedupe store) prints only what the first had not handled: nothing twice.
      const second = startMember(topic, "graceful");
      try {
        await eventually("every event printed by one of the two", () => {
          return printedIds(first).length + printedIds(second).length === events.length;
        });
        await eventually("lag back to 0", async () => {
          const lag = await lagOf(second);
          return lag.length === 2 && lag.every((v) => v === 0);
        });
        expect([...printedIds(first), ...printedIds(second)].sort()).toEqual(
          events.map((e) => e.eventId).sort(),
        );
        expectInOrder([...printed(first.lines), ...printed(second.lines)], histories);
      } finally {
        await second.consumer.close();
      }
    } finally {
      release.resolve();
      await producer.close();
    }
  }, 120_000);

  test("close() leaves the group at once: another member takes over without a session timeout", async () => {
    const topic = "orders-handover-test";
    await createTopic(kafka.bootstrap, topic);
    const first = startMember(topic, "handover");
    const producer = new EventProducer(kafka.bootstrap, topic);
    try {
      await eventually("joined", () => first.consumer.ready());
      const before = orderHistories("handover-1", 4, 700n);
      await producer.publish(interleave(before));
      await eventually("first batch printed", () => printedIds(first).length === before.flat().length);
      await first.consumer.close();
      expect(first.consumer.ready()).toBe(false);
      expect(first.lines.some((l) => l.msg === "left consumer group")).toBe(true);

      const second = startMember(topic, "handover");
      try {
        const after = orderHistories("handover-2", 4, 700n);
        await producer.publish(interleave(after));
        await eventually(
          "second batch printed by the new member",
          () => printedIds(second).length === after.flat().length,
        );
        expectInOrder(printed(second.lines), after);
      } finally {
        await second.consumer.close();
      }
    } finally {
      await producer.close();
    }
  }, 120_000);

  test("the broker goes away and comes back: the consumer recovers by itself", async () => {
    const topic = "orders-outage-test";
    await createTopic(kafka.bootstrap, topic);
    const member = startMember(topic, "outage");
    try {
      await eventually("joined", () => member.consumer.ready());
      let producer = new EventProducer(kafka.bootstrap, topic);
      const before = orderHistories("outage-1", 2, 900n);
      await producer.publish(interleave(before));
      await eventually("printed before the outage", () => printedIds(member).length === before.flat().length);
      await producer.close();

      await kafka.stop();
      await kafka.start();

      producer = new EventProducer(kafka.bootstrap, topic);
      const after = orderHistories("outage-2", 2, 950n);
      await producer.publish(interleave(after));
      await eventually(
        "printed after the outage",
        () => printedIds(member).length === before.flat().length + after.flat().length,
        { ms: 120_000, state: () => member.lines.slice(-10) },
      );
      expectInOrder(printed(member.lines), [...before, ...after]);
      await producer.close();
    } finally {
      await member.consumer.close();
    }
  }, 240_000);
});
