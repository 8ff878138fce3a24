import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin } from "@platformatic/kafka";
import { startKafka, type TestKafka } from "@route256/testkit/kafka";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { createClient } from "redis";
import { eventually } from "../support/async.ts";
import { expectEachPrintedOnceInOrder, printedCount, printedLines } from "../support/check.ts";
import {
  groupSettled,
  groupState,
  type Instance,
  metricSamples,
  metricSum,
  ownedPartitions,
  startInstance,
} from "../support/instances.ts";
import { createTopic, EventProducer, interleave, orderHistories, partitionOf } from "../support/kafka.ts";

// Three notifier processes (as `just up` runs them) in one consumer group on a fresh broker, with
// one real Redis for the dedupe. What is checked is what a user sees: the printed lines.

let kafka: TestKafka;
let redis: TestRedis;
const everyInstance: Instance[] = [];

const FAST_GROUP = {
  // A crashed member is noticed after 6 s (the broker's minimum), rebalances within a heartbeat.
  NOTIFIER_SESSION_TIMEOUT_MS: "6000",
  NOTIFIER_HEARTBEAT_MS: "500",
  NOTIFIER_LAG_INTERVAL_MS: "500",
};

beforeAll(async () => {
  // One after another: each picks free ports, and picking them concurrently can collide.
  kafka = await startKafka();
  redis = await startRedis();
}, 180_000);

afterAll(async () => {
  await Promise.all(everyInstance.filter((i) => !i.killed).map((i) => i.service.stop().catch(() => {})));
  await kafka?.destroy();
  await redis?.stop();
}, 60_000);

async function startGroup(env: Record<string, string>, prefix: string): Promise<Instance[]> {
  const group = await Promise.all(
    [1, 2, 3].map((n) =>
      startInstance(`${prefix}-${n}`, {
        NOTIFIER_KAFKA_BROKERS: kafka.bootstrap,
        NOTIFIER_REDIS_URL: redis.url,
        ...FAST_GROUP,
        ...env,
      }),
    ),
  );
  everyInstance.push(...group);
  await eventually("the group settles", () => groupSettled(group), {
    state: () => groupState(group),
  });
  return group;
}

describe("three notifier instances in one group (topic loms.order-events, group notifier)", () => {
  let group: Instance[];
  let producer: EventProducer;
  const run = `calm-${Date.now()}`;
  // 12 orders × 3 changes; ids next to int64's maximum, which a double would round.
  const histories = orderHistories(run, 12, 9223372036854775700n);
  const events = interleave(histories);

  beforeAll(async () => {
    group = await startGroup({}, "calm"); // the defaults: topic loms.order-events, group notifier
    producer = new EventProducer(kafka.bootstrap, "loms.order-events");
  }, 120_000);

  afterAll(async () => {
    await producer?.close();
  });

  test("every event is printed exactly once across the instances, each order in order", async () => {
    await producer.publish(events.slice(0, 20));
    await producer.publish(events.slice(20));
    await producer.publish(events.slice(0, 6)); // published twice, same event ids: printed once
    await producer.publishRaw("9", "not json", `${run}-garbage`); // a poison pill…
    await producer.publishRaw("9", '{"order_id":9,"status":"new","moment":"2026-11-21T10:00:00Z"}'); // …no event-id

    await eventually(
      "every event printed, the duplicates and malformed messages handled",
      async () =>
        printedCount(group, events) === events.length &&
        (await metricSum(group, "notifier_events_total", 'result="malformed"')) === 2 &&
        (await metricSum(group, "notifier_events_total", 'result="duplicate"')) >= 6,
      {
        state: () => ({ printed: printedCount(group, events), of: events.length, group: groupState(group) }),
      },
    );
    // Everything committed: the group's lag, as the instances report it, is 0 on both partitions.
    await eventually(
      "lag back to 0",
      async () => {
        const lag = await metricSamples(group, "notifier_consumer_lag");
        return lag.length === 2 && lag.every((l) => l.endsWith(" 0"));
      },
      { state: () => groupState(group) },
    );

    expectEachPrintedOnceInOrder(group, histories);
    expect(await metricSum(group, "notifier_events_total", 'result="printed"')).toBe(events.length);
    // One order = one partition = one owner in a settled group: its lines come from one instance.
    const lines = printedLines(group, events);
    for (const h of histories) {
      const owners = new Set(lines.filter((l) => l.orderId === String(h[0]?.orderId)).map((l) => l.instance));
      expect(owners.size).toBe(1);
    }
    // 2 partitions, 3 members: one instance is idle, and the malformed ones were logged by an owner.
    const warned = group.flatMap((i) => i.lines().filter((l) => l.msg === "malformed order event skipped"));
    expect(warned.map((l) => l.reason).sort()).toEqual([
      "header event-id is missing",
      "the value is not JSON",
    ]);
  }, 120_000);

  test("SIGTERM: an instance leaves the group cleanly; the others take over its partitions", async () => {
    const leaving = group.find((i) => ownedPartitions(i).length > 0) as Instance; // not the idle one
    expect(await leaving.service.stop()).toBe(0);
    leaving.killed = true;
    expect(leaving.lines().some((l) => l.msg === "left consumer group")).toBe(true);

    const more = orderHistories(`${run}-more`, 6, 1n);
    await producer.publish(interleave(more));
    const rest = group.filter((i) => i !== leaving);
    await eventually(
      "the new events printed by the remaining instances",
      () => printedCount(rest, more.flat()) === more.flat().length,
      { state: () => groupState(group) },
    );
    await eventually(
      "lag back to 0",
      async () => {
        const lag = await metricSamples(rest, "notifier_consumer_lag");
        return lag.length === 2 && lag.every((l) => l.endsWith(" 0"));
      },
      { state: () => groupState(group) },
    );
    expectEachPrintedOnceInOrder(group, more);
    expectEachPrintedOnceInOrder(group, histories); // nothing of the first batch came back
  }, 120_000);
});

describe("an instance crashes (SIGKILL) mid-stream", () => {
  const topic = "orders-crash-test";
  const groupId = "notifier-crash";
  const run = `crash-${Date.now()}`;
  // More orders than the test will use: the victim is kept busy until it is crashed (below).
  const pool = orderHistories(run, 2000, 9223372036854770000n);
  const poolEvents = interleave(pool);

  test("still every event printed exactly once overall; the lines it printed but did not commit are not repeated", async () => {
    await createTopic(kafka.bootstrap, topic);
    const group = await startGroup({ NOTIFIER_TOPIC: topic, NOTIFIER_GROUP: groupId }, "crash");
    const producer = new EventProducer(kafka.bootstrap, topic);
    const redisKeys = createClient({ url: redis.url });
    await redisKeys.connect();
    const admin = new Admin({ clientId: "notifier-test-admin", bootstrapBrokers: [kafka.bootstrap] });
    try {
      const first = poolEvents.slice(0, 150);
      await producer.publish(first);
      // Crash the owner of the partition with more work (crashing the idle one would prove nothing).
      const busy = [0, 1].sort(
        (a, b) =>
          first.filter((e) => partitionOf(e.orderId) === b).length -
          first.filter((e) => partitionOf(e.orderId) === a).length,
      )[0];
      let victim: Instance | undefined;
      await eventually(
        "the owner of the busier partition is printing",
        () => {
          victim = group.find(
            (i) => ownedPartitions(i).includes(busy as number) && i.statusLines().length >= 3,
          );
          return victim !== undefined;
        },
        { state: () => groupState(group) },
      );
      // A trickle keeps the victim working until it is crashed: it handles a fetched batch in one go
      // and commits it once, so a burst alone is printed and committed before a crash can land
      // between the two.
      let published = first.length;
      let crashed = false;
      const trickle = (async () => {
        for (; !crashed && published < poolEvents.length; published++) {
          await producer.publish(poolEvents.slice(published, published + 1));
          await Bun.sleep(5); // pacing the load, not waiting for anything
        }
      })();
      const uncommitted = await crashMidStream(victim as Instance, group, {
        claimedIds: async () =>
          (await redisKeys.keys(`notifier:event:${run}-*`)).map((k) => k.slice("notifier:event:".length)),
        committed: async (partitions) => {
          const [offsets] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
          const own = offsets?.topics.find((t) => t.name === topic)?.partitions ?? [];
          return own
            .filter((p) => partitions.includes(p.partitionIndex))
            .reduce((sum, p) => sum + Math.max(0, Number(p.committedOffset)), 0);
        },
      }).finally(() => {
        crashed = true;
      });
      await trickle;
      // The orders begun so far are completed; the rest of the pool is never published.
      const begun = new Set(poolEvents.slice(0, published).map((e) => e.orderId));
      const histories = pool.filter((h) => begun.has(h[0]?.orderId as bigint));
      const events = histories.flat();
      await producer.publish(poolEvents.slice(published).filter((e) => begun.has(e.orderId)));

      await eventually(
        "every event printed after the rebalance",
        () => printedCount(group, events) === events.length,
        { ms: 120_000, state: () => ({ printed: printedCount(group, events), group: groupState(group) }) },
      );
      const survivors = group.filter((i) => i !== victim);
      await eventually(
        "lag back to 0",
        async () => {
          const lag = await metricSamples(survivors, "notifier_consumer_lag");
          return lag.length === 2 && lag.every((l) => l.endsWith(" 0"));
        },
        { state: () => groupState(group) },
      );
      // A line the victim printed without its claim — its Redis command timed out while the test
      // kept it frozen (SIGSTOP stops the process, not the wall clock its timeouts run on) — may be
      // printed again: the one repeat the design allows, and the victim's warning said so.
      const unclaimed = new Set(
        (victim as Instance)
          .lines()
          .filter((l) => l.msg.startsWith("dedupe store unavailable"))
          .map((l) => String(l.eventId)),
      );
      expectEachPrintedOnceInOrder(group, histories, unclaimed);
      // The new owner was handed what the victim printed but had not committed: the dedupe held.
      expect(
        await metricSum(survivors, "notifier_events_total", 'result="duplicate"'),
      ).toBeGreaterThanOrEqual(uncommitted - unclaimed.size);
    } finally {
      await admin.close();
      await redisKeys.quit();
      await producer.close();
    }
  }, 240_000);
});

/**
 * SIGKILLs the victim at a moment that tests the dedupe: it has printed lines whose offsets are not
 * committed yet (so they are delivered again after the rebalance), but it is not between a dedupe
 * claim and its line. A crash there loses those lines — the ids are claimed and nobody printed them:
 * the one window the design leaves, a Redis round trip wide (for every message of the batch in
 * hand), and a test that hit it now and then would be flaky, not informative. So the process is frozen (SIGSTOP), both conditions checked, and
 * it is killed, or let go on for a moment and frozen again. Returns how many printed lines were not
 * committed.
 */
async function crashMidStream(
  victim: Instance,
  group: readonly Instance[],
  state: { claimedIds(): Promise<string[]>; committed(partitions: number[]): Promise<number> },
): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    victim.signal("SIGSTOP");
    await Bun.sleep(100); // lines already written reach our pipe readers
    const printedIds = new Set(group.flatMap((i) => i.statusLines().map((l) => String(l.eventId))));
    const outsideClaimWindow = (await state.claimedIds()).every((id) => printedIds.has(id));
    const partitions = ownedPartitions(victim);
    // All of its partitions' events so far were printed by it (a settled group, a fresh topic).
    const uncommitted = victim.statusLines().length - (await state.committed(partitions));
    if (outsideClaimWindow && uncommitted > 0) {
      victim.kill();
      return uncommitted;
    }
    victim.signal("SIGCONT");
    await Bun.sleep(2);
  }
  throw new Error("could not freeze the victim with uncommitted lines outside a claim window");
}
