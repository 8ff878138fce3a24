import {
  Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { abortableSleep, commitIfOwned, type Logger, ownsPartition, within } from "@route256/platform";
import type { NotifierConfig } from "./config.ts";
import type { NotificationHandler } from "./handler.ts";
import { type LagMeter, startLagMeter } from "./lag.ts";
import { handleOrderEventMessage } from "./message.ts";
import type { NotifierMetrics } from "./metrics.ts";

type OrderEventMessage = Message<string, string, string, string>;
type KafkaConsumer = Consumer<string, string, string, string>;
type KafkaConsumerConfig = NotifierConfig["kafka"];

/** The Kafka settings (documented where they are read from the environment) and what to run on them. */
export interface OrderEventsConsumerOptions extends KafkaConsumerConfig {
  handler: NotificationHandler;
  logger: Logger;
  metrics: NotifierMetrics;
}

export interface RunningConsumer {
  /** Joined its group (at least once) and not shutting down: what /readyz reports. */
  ready(): boolean;
  /** Finishes the message in hand, commits it, closes the stream and leaves the group. */
  close(): Promise<void>;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 5_000;
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * The notifier's consumer: one member of group `groupId` on the order-events topic, handling one
 * message at a time and committing its offset only once it is handled (at-least-once; the
 * handler's dedupe turns redeliveries into "duplicate"). Settings that matter, all against
 * @platformatic/kafka's defaults: autocommit off (the default commits a batch as soon as it is
 * fetched), mode committed (the default, latest, ignores the group's offsets) with earliest as
 * the fallback for a group that has none.
 *
 * When handling or the stream fails, nothing is committed for the message in hand: the stream is
 * closed and opened again (a rejoin), which reads again from the last committed offset. Nor is
 * anything committed for a partition a rebalance gave to another member while its message was in
 * hand (commitIfOwned): the new owner reads it again, and the dedupe makes it a "duplicate".
 */
export function startOrderEventsConsumer(opts: OrderEventsConsumerOptions): RunningConsumer {
  const { topic, handler, logger, metrics } = opts;
  // Rejoins take a heartbeat or two; the library's default (102 s) would let a stuck member hold a
  // rebalance for minutes.
  const rebalanceTimeoutMs = Math.max(opts.sessionTimeoutMs, 30_000);
  // A commit waits while the group rebalances; one that outlasts any rebalance is stuck, and the
  // message is better read again.
  const commitTimeoutMs = rebalanceTimeoutMs + 5_000;

  let joined = false;
  let closing = false;
  let restart = false;
  let busy = false;
  let stream: MessagesStream<string, string, string, string> | undefined;
  let lag: LagMeter | undefined;
  const stop = new AbortController();

  const connect = () => {
    const consumer = new Consumer({
      clientId: opts.clientId,
      groupId: opts.groupId,
      bootstrapBrokers: opts.brokers,
      deserializers: stringDeserializers,
      autocommit: false,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: opts.heartbeatMs,
      rebalanceTimeout: rebalanceTimeoutMs,
      // Messages fetched ahead of handling. Few: after a rebalance those of a partition this member
      // lost are thrown away here and fetched again by the new owner.
      highWaterMark: 64,
      // Each operation retries on its own before failing the stream (our loop then starts over); the
      // library's default (3 × 1 s, nested for group operations) keeps a dead broker quiet for 15 s.
      retries: 3,
      retryDelay: 250,
    });
    consumer.on("consumer:group:join", (p) => {
      joined = true;
      const partitions = p.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
      logger.info(
        { generationId: p.generationId, memberId: p.memberId, partitions },
        "joined consumer group",
      );
    });
    consumer.on("consumer:group:leave", () => logger.info("left consumer group"));
    // A failed rejoin is reported as 'error' (an EventEmitter throws when nobody listens). The
    // membership may be gone: start over.
    consumer.on("error", (err) => {
      logger.error({ err: errorText(err) }, "kafka consumer error; starting over");
      restart = true;
      if (!busy) void stream?.close().catch(() => {});
    });
    lag = startLagMeter({ consumer, topic, gauge: metrics.lag, intervalMs: opts.lagIntervalMs, logger });
    return consumer;
  };

  /** Leaves the group (when the broker can be reached) and drops the client. */
  const disconnect = async (consumer: KafkaConsumer) => {
    lag?.stop(); // its partitions are someone else's now, or will be reported again
    await within(
      SHUTDOWN_WAIT_MS,
      consumer.close().catch(() => consumer.close(true)),
      "leaving the group",
    ).catch((err) =>
      logger.warn(
        { err: errorText(err) },
        "left without saying goodbye: the group drops us after the session timeout",
      ),
    );
  };

  /** One stream, from the group's committed offsets, until it ends, fails or is told to stop. */
  const consumeStream = async (consumer: KafkaConsumer) => {
    restart = false;
    stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    try {
      for await (const message of stream as AsyncIterable<OrderEventMessage>) {
        if (closing || restart) break;
        // Fetched before a rebalance took its partition away (a long poll that was in flight, or the
        // read-ahead buffer): the new owner reads it from the committed offset, so leave it alone —
        // no handling, no commit. Else two members would work through one partition side by side.
        if (!ownsPartition(consumer, topic, message.partition)) continue;
        busy = true;
        try {
          const result = await handleOrderEventMessage(message, handler, logger);
          if (await commitIfOwned(consumer, message, commitTimeoutMs)) lag?.refreshSoon();
          else
            logger.info(
              { partition: message.partition, offset: String(message.offset) },
              "partition reassigned before the offset was committed: its new owner reads the message again",
            );
          metrics.events.inc({ result });
        } finally {
          busy = false;
        }
        if (closing || restart) break;
      }
    } finally {
      await closed(stream);
    }
    if (restart && !closing) throw new Error("kafka consumer error");
  };

  let consumer = connect();
  const loop = (async () => {
    let backoffMs = FIRST_BACKOFF_MS;
    while (!closing) {
      try {
        await consumeStream(consumer);
        backoffMs = FIRST_BACKOFF_MS;
      } catch (err) {
        if (closing) break;
        metrics.restarts.inc();
        logger.error(
          { err: errorText(err), retryInMs: backoffMs },
          "order events stream failed; starting over from the committed offsets",
        );
        // A new client, not the same one again: after a failure the library's group state can be
        // stale (a rejoin that failed while the broker was down leaves a membership without
        // heartbeats, whose commits never complete).
        await disconnect(consumer);
        await abortableSleep(backoffMs, stop.signal).catch(() => {});
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        if (!closing) consumer = connect();
      }
    }
  })();

  return {
    ready: () => joined && !closing,
    async close() {
      if (closing) return;
      closing = true;
      stop.abort();
      // The message in hand is finished and committed first, within reason; an idle stream is
      // woken up to end.
      if (!busy) void stream?.close().catch(() => {});
      await within(SHUTDOWN_WAIT_MS, loop, "consumer loop").catch((err) =>
        logger.warn({ err: errorText(err) }, "closing anyway: a message not committed is read again later"),
      );
      // Leaving the group at once hands the partitions over now, not after a session timeout.
      await disconnect(consumer);
    },
  };
}

/** Resolves once the stream has emitted 'close' (the library untracks its topics there). */
async function closed(stream: MessagesStream<string, string, string, string>): Promise<void> {
  if (stream.closed) return;
  const done = new Promise<void>((resolve) => stream.once("close", () => resolve()));
  if (!stream.destroyed) stream.close().catch(() => {});
  await within(SHUTDOWN_WAIT_MS, done, "stream close").catch(() => stream.destroy());
}

/** Kafka errors nest every retry's cause: the first few hundred characters say enough. */
function errorText(err: unknown): string {
  const text = String(err);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
