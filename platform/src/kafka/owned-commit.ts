import type { Consumer, Message } from "@platformatic/kafka";
import { within } from "../concurrency/within.ts";

// biome-ignore lint/suspicious/noExplicitAny: any key/value/header types: only group state is read
type AnyConsumer = Consumer<any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: any key/value/header types: only topic, partition and commit are used
type AnyMessage = Message<any, any, any, any>;

/** The topic's partitions in the consumer's current assignment (its last completed join). */
export function assignedPartitions(consumer: AnyConsumer, topic: string): number[] {
  return consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
}

/** Whether the consumer's current assignment includes the partition. */
export function ownsPartition(consumer: AnyConsumer, topic: string, partition: number): boolean {
  return assignedPartitions(consumer, topic).includes(partition);
}

/**
 * Commits a handled message's offset, but only while this member owns its partition; false when the
 * partition went to another member meanwhile (nothing committed: the new owner reads the message
 * again from the group's offset, and handlers are idempotent for that).
 *
 * Why not just `message.commit()`: @platformatic/kafka 2.12.1 queues a manual commit made while the
 * consumer is rejoining its group (MessagesStream [kAutocommit] skips the flush while
 * `!consumer.isActive()`) and flushes it from the stream's 'consumer:group:join' handler under the
 * NEW generation without checking that the partition is still assigned. The broker (classic
 * protocol) accepts a commit for any partition from any member of the current generation, so the old
 * owner writes its offset over the new owner's: the group's offset can move back (everything after it
 * is redelivered on the next rebalance), and the stream puts the lost partition back into its
 * offsetsCommitted map after the join cleared it, where the library's getLag reports it forever.
 * Seen in notifier/test/e2e/consumer-group.test.ts (SIGTERM hand-over, 2 runs in 7); the test of
 * this function (platform/test/integration/owned-commit.test.ts) fails when `message.commit()` is called
 * mid-rejoin instead.
 *
 * So: wait out a rejoin in progress (at most `timeoutMs`), then commit only if the partition is still
 * ours. The commit starts synchronously after the check, while the member is active: the library sends
 * it at the generation whose assignment was checked.
 */
export async function commitIfOwned(
  consumer: AnyConsumer,
  message: AnyMessage,
  timeoutMs: number,
): Promise<boolean> {
  if (!consumer.isActive()) await rejoined(consumer, timeoutMs);
  if (!consumer.isActive() || !ownsPartition(consumer, message.topic, message.partition)) return false;
  await within(timeoutMs, message.commit(), "offset commit");
  return true;
}

/** Resolves at the consumer's next completed join (or its close); rejects after `timeoutMs`. */
function rejoined(consumer: AnyConsumer, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      consumer.off("consumer:group:join", done);
      consumer.off("client:close", done);
      resolve();
    };
    const timer = setTimeout(() => {
      consumer.off("consumer:group:join", done);
      consumer.off("client:close", done);
      reject(new Error(`the consumer did not rejoin its group within ${timeoutMs} ms`));
    }, timeoutMs);
    consumer.on("consumer:group:join", done);
    consumer.on("client:close", done);
  });
}
