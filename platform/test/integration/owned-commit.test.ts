import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  Admin,
  Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";
import { startKafka, type TestKafka } from "@route256/testkit/kafka";
import { commitIfOwned, ownsPartition } from "../../src/kafka/owned-commit.ts";

// A commit asked for while the member is rejoining its group, on a real broker: one member holds
// both partitions of the topic and has a message of each in hand when a second member joins and
// takes one of them. What reaches the group's committed offsets is read back with an Admin client.

type Msg = Message<string, string, string, string>;
type KafkaConsumer = Consumer<string, string, string, string>;
const TOPIC = "loms.order-events"; // created with 2 partitions by startKafka

let kafka: TestKafka;
let admin: Admin;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  kafka = await startKafka();
  admin = new Admin({ clientId: "owned-commit-admin", bootstrapBrokers: [kafka.bootstrap] });
  const producer = new Producer({
    clientId: "owned-commit-producer",
    bootstrapBrokers: [kafka.bootstrap],
    serializers: stringSerializers,
  });
  // One message on each partition; every group of this file reads them from the start.
  await producer.send({
    messages: [0, 1].map((partition) => ({ topic: TOPIC, partition, key: `k${partition}`, value: "v" })),
  });
  await producer.close();
}, 180_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await admin?.close();
  await kafka?.destroy();
}, 60_000);

function member(groupId: string, clientId: string): KafkaConsumer {
  const consumer = new Consumer({
    clientId,
    groupId,
    bootstrapBrokers: [kafka.bootstrap],
    deserializers: stringDeserializers,
    autocommit: false,
    sessionTimeout: 6_000,
    heartbeatInterval: 200, // the member notices the rebalance within 200 ms
    rebalanceTimeout: 15_000,
  });
  closers.push(() => consumer.close(true));
  return consumer;
}

async function consume(consumer: KafkaConsumer): Promise<MessagesStream<string, string, string, string>> {
  const stream = await consumer.consume({
    topics: [TOPIC],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  });
  closers.push(() => stream.close());
  return stream;
}

/** The group's committed offset per partition of TOPIC, as the broker has it (-1: none). */
async function committedOffsets(groupId: string): Promise<Record<number, number>> {
  const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  const partitions = group?.topics.find((t) => t.name === TOPIC)?.partitions ?? [];
  const out: Record<number, number> = { 0: -1, 1: -1 };
  for (const p of partitions) out[p.partitionIndex] = Number(p.committedOffset);
  return out;
}

/**
 * Member A alone reads the message of each partition; member B joins; the moment A learns of the
 * rebalance (its heartbeat is answered REBALANCE_IN_PROGRESS: A is mid-rejoin), `commit` is called
 * for both messages. Resolves once the commits settled, with what A owns after the rejoin.
 */
async function commitBothMidRejoin(
  groupId: string,
  commit: (a: KafkaConsumer, message: Msg) => Promise<unknown>,
): Promise<{ kept: number; lost: number; results: unknown[] }> {
  const a = member(groupId, `${groupId}-a`);
  const messages: Msg[] = [];
  const iterator = (await consume(a))[Symbol.asyncIterator]();
  while (messages.length < 2) messages.push((await iterator.next()).value as Msg);
  expect(messages.map((m) => m.partition).sort()).toEqual([0, 1]);

  let activeAtCommit: boolean | undefined;
  const midRejoin = new Promise<Promise<unknown[]>>((resolve) =>
    a.once("consumer:group:rebalance", () => {
      activeAtCommit = a.isActive();
      resolve(Promise.all(messages.map((m) => commit(a, m))));
    }),
  );
  const b = member(groupId, `${groupId}-b`);
  await consume(b); // joined: the group rebalanced, A took part
  const results = await await midRejoin;
  expect(activeAtCommit).toBe(false);
  const kept = [0, 1].find((p) => ownsPartition(a, TOPIC, p)) as number;
  expect(ownsPartition(b, TOPIC, 1 - kept)).toBe(true);
  return { kept, lost: 1 - kept, results };
}

describe("commitIfOwned: a commit asked for mid-rejoin", () => {
  test("commits the partition the member kept, and nothing for the one it lost", async () => {
    const { kept, lost, results } = await commitBothMidRejoin("owned-commit", (a, m) =>
      commitIfOwned(a, m, 20_000).then((committed) => ({ partition: m.partition, committed })),
    );
    expect(results).toContainEqual({ partition: kept, committed: true });
    expect(results).toContainEqual({ partition: lost, committed: false });
    // The new owner's partition keeps the group's offset it had (none): it reads the message again.
    expect(await committedOffsets("owned-commit")).toEqual({ [kept]: 1, [lost]: -1 });
  }, 60_000);

  test("why it exists: @platformatic/kafka 2.12.1's message.commit() mid-rejoin commits the lost partition too", async () => {
    // When this fails, the library checks the assignment itself and commitIfOwned can go.
    const { kept, lost } = await commitBothMidRejoin("raw-commit", async (_a, m) => m.commit());
    expect(await committedOffsets("raw-commit")).toEqual({ [kept]: 1, [lost]: 1 });
  }, 60_000);
});
