import type { Span } from "@opentelemetry/api";
import {
  Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { abortableSleep } from "../concurrency/sleep.ts";
import { within } from "../concurrency/within.ts";
import type { Logger } from "../logger.ts";
import { inConsumerSpan } from "../tracing/messaging.ts";
import { commitIfOwned, ownsPartition } from "./owned-commit.ts";

export type KafkaMessage = Message<string, string, string, string>;
export type KafkaConsumer = Consumer<string, string, string, string>;
type KafkaStream = MessagesStream<string, string, string, string>;
/** One Kafka client of the loop and what was attached to it. */
interface Client {
  readonly consumer: KafkaConsumer;
  readonly attachment: ConsumerAttachment | undefined;
}

/** Something that lives beside one client of the loop (a lag meter), told of commits, stopped with it. */
export interface ConsumerAttachment {
  committed?(): void;
  stop(): void;
}

/** Where a member of a consumer group reads, and how the group tells it is gone. */
export interface ConsumerGroupSettings {
  /** Bootstrap brokers, host:port. */
  brokers: string[];
  topic: string;
  /** The group every instance joins; the topic's partitions are shared among its members. */
  groupId: string;
  /** Unique per process: it names the member in the broker's logs. */
  clientId: string;
  /** A member silent this long (a crashed instance) is dropped and its partitions reassigned. */
  sessionTimeoutMs: number;
  /** Also how fast members notice a rebalance. */
  heartbeatMs: number;
}

export interface ConsumerLoopOptions extends ConsumerGroupSettings {
  /** Names the loop in its log lines ("order events", "payments"). */
  name: string;
  /**
   * How often each operation retries on its own before the stream fails and the loop starts over
   * with a new client (default 3 × 250 ms: a dead broker is noticed within seconds).
   */
  retries?: number;
  retryDelayMs?: number;
  /**
   * At most this many messages are handled as one batch: fetched ahead, handled concurrently across
   * keys (one key's messages one after another, in offset order), committed once (default 64).
   */
  maxBatch?: number;
  /**
   * Handles one message, in a consumer span continuing the producer's trace. Resolving means handled
   * (a malformed message too: retrying it would block its partition); throwing means "read it again":
   * nothing of its batch is committed and the loop starts over from the group's committed offsets.
   */
  handle(message: KafkaMessage, span: Span): Promise<void>;
  logger: Logger;
  /** Started with each client the loop creates (and stopped when the client is dropped). */
  attach?(consumer: KafkaConsumer): ConsumerAttachment;
  /** Called when the loop starts over after a failure (a metric). */
  onRestart?(): void;
}

export interface RunningConsumerLoop {
  /** Joined its group (at least once) and not shutting down: what /readyz reports. */
  ready(): boolean;
  /** Finishes the batch in hand, commits it, closes the stream and leaves the group. */
  close(): Promise<void>;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 5_000;
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * The one Kafka consume loop of the project: a member of group `groupId` on `topic`, committing
 * offsets only after the messages are handled (at-least-once; handlers are idempotent). Settings that
 * matter, all against @platformatic/kafka's defaults: autocommit off (the default commits a batch as
 * soon as it is fetched), mode committed (the default, latest, ignores the group's offsets) with
 * earliest as the fallback for a group that has none.
 *
 * Throughput without giving up order: what the stream has fetched is taken as one batch, handled
 * concurrently across keys — a key (an order id) always maps to one partition, and its messages are
 * handled one after another in offset order — and committed once, one offset per partition. One
 * message per handling-and-commit round trip made a burst queue up behind commits.
 *
 * Rebalance-safe: a message of a partition the member no longer owns is not handled (fetched before
 * a rebalance took it away: the new owner reads it from the committed offset), and nothing is
 * committed for a partition lost while its batch was in hand (commitIfOwned; the new owner reads it
 * again). A failure (of a handler, of the stream, or a rejoin the library reports as 'error') drops
 * the client and starts over with a new one after a backoff: after a failed rejoin the library's
 * group state can be stale (a membership without heartbeats, whose commits never complete).
 */
export function startConsumerLoop(opts: ConsumerLoopOptions): RunningConsumerLoop {
  const { topic, logger, name } = opts;
  const maxBatch = opts.maxBatch ?? 64;
  const retries = opts.retries ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 250;
  // Rejoins take a heartbeat or two; the library's default (102 s) would let a stuck member hold a
  // rebalance for minutes.
  const rebalanceTimeoutMs = Math.max(opts.sessionTimeoutMs, 30_000);
  // A commit waits while the group rebalances, and retries like any operation; one that outlasts
  // both is stuck, and the batch is better read again.
  const commitTimeoutMs = rebalanceTimeoutMs + retries * retryDelayMs + 5_000;

  let joined = false;
  let closing = false;
  let restart = false;
  let busy = false;
  let stream: KafkaStream | undefined;
  const stop = new AbortController();

  const connect = (): Client => {
    const consumer: KafkaConsumer = new Consumer({
      clientId: opts.clientId,
      groupId: opts.groupId,
      bootstrapBrokers: opts.brokers,
      deserializers: stringDeserializers,
      autocommit: false,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: opts.heartbeatMs,
      rebalanceTimeout: rebalanceTimeoutMs,
      // Fetched ahead of handling: one batch's worth. After a rebalance those of a partition this
      // member lost are thrown away here and fetched again by the new owner.
      highWaterMark: maxBatch,
      retries,
      retryDelay: retryDelayMs,
    });
    consumer.on("consumer:group:join", (p) => {
      joined = true;
      const partitions = p.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
      logger.info(
        { topic, generationId: p.generationId, memberId: p.memberId, partitions },
        "joined consumer group",
      );
    });
    consumer.on("consumer:group:leave", () => logger.info({ topic }, "left consumer group"));
    // A failed rejoin is reported as 'error' (an EventEmitter throws when nobody listens). The
    // membership may be gone: start over.
    consumer.on("error", (err) => {
      logger.error({ topic, err: errorText(err) }, "kafka consumer error; starting over");
      restart = true;
      if (!busy) void stream?.close().catch(() => {});
    });
    return { consumer, attachment: opts.attach?.(consumer) };
  };

  /** Leaves the group (when the broker can be reached) and drops the client. */
  const disconnect = async ({ consumer, attachment }: Client) => {
    attachment?.stop();
    await within(
      SHUTDOWN_WAIT_MS,
      consumer.close().catch(() => consumer.close(true)),
      "leaving the group",
    ).catch((err) =>
      logger.warn(
        { topic, err: errorText(err) },
        "left without saying goodbye: the group drops us after the session timeout",
      ),
    );
  };

  /** One message in its consumer span. */
  const handleOne = (message: KafkaMessage) =>
    inConsumerSpan(
      topic,
      message.headers,
      {
        "messaging.kafka.message.key": message.key ?? "",
        "messaging.destination.partition.id": String(message.partition),
        "messaging.kafka.offset": Number(message.offset),
      },
      (span) => opts.handle(message, span),
    );

  /** Handles a batch (see above) and commits it; throws, committing nothing, when a handler failed. */
  const handleBatch = async (client: Client, batch: readonly KafkaMessage[]) => {
    const { consumer } = client;
    const byKey = new Map<string, KafkaMessage[]>();
    for (const message of batch) {
      // Fetched before a rebalance took its partition away (a long poll that was in flight, or the
      // read-ahead buffer): the new owner reads it from the committed offset, so leave it alone.
      if (!ownsPartition(consumer, topic, message.partition)) continue;
      const key = `${message.partition}/${message.key ?? ""}`;
      const own = byKey.get(key);
      if (own) own.push(message);
      else byKey.set(key, [message]);
    }
    if (byKey.size === 0) return;
    const results = await Promise.allSettled(
      [...byKey.values()].map(async (messages) => {
        for (const message of messages) await handleOne(message); // a failure stops this key here
      }),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    // The last message of each partition commits the whole batch's share of it.
    const last = new Map<number, KafkaMessage>();
    for (const messages of byKey.values()) {
      for (const m of messages)
        if ((last.get(m.partition)?.offset ?? -1n) < m.offset) last.set(m.partition, m);
    }
    const committed = await Promise.all(
      [...last.values()].map((m) => commitIfOwned(consumer, m, commitTimeoutMs)),
    );
    if (committed.some(Boolean)) client.attachment?.committed?.();
    if (!committed.every(Boolean))
      logger.info(
        { topic },
        "a partition was reassigned before its offset was committed: its new owner reads those messages again",
      );
  };

  /** One stream, from the group's committed offsets, until it ends, fails or is told to stop. */
  const consumeStream = async (client: Client) => {
    restart = false;
    const current = await client.consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    stream = current;
    try {
      for await (const first of current as AsyncIterable<KafkaMessage>) {
        if (closing || restart) break;
        // What else the stream has fetched already joins the first message (never waiting for more).
        const batch = [first];
        while (batch.length < maxBatch) {
          const next: KafkaMessage | null = current.read();
          if (next === null) break;
          batch.push(next);
        }
        busy = true;
        try {
          await handleBatch(client, batch);
        } finally {
          busy = false;
        }
        if (closing || restart) break;
      }
    } finally {
      await closed(current);
    }
    if (restart && !closing) throw new Error("kafka consumer error");
  };

  let client = connect();
  const loop = (async () => {
    let backoffMs = FIRST_BACKOFF_MS;
    while (!closing) {
      try {
        await consumeStream(client);
        backoffMs = FIRST_BACKOFF_MS;
      } catch (err) {
        if (closing) break;
        opts.onRestart?.();
        logger.error(
          { topic, err: errorText(err), retryInMs: backoffMs },
          `${name} stream failed; starting over from the committed offsets`,
        );
        // A new client, not the same one again (see above).
        await disconnect(client);
        await abortableSleep(backoffMs, stop.signal).catch(() => {});
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        if (!closing) client = connect();
      }
    }
  })();

  return {
    ready: () => joined && !closing,
    async close() {
      if (closing) return;
      closing = true;
      stop.abort();
      // The batch in hand is finished and committed first, within reason; an idle stream is woken up
      // to end.
      if (!busy) void stream?.close().catch(() => {});
      await within(SHUTDOWN_WAIT_MS, loop, `${name} consumer loop`).catch((err) =>
        logger.warn(
          { topic, err: errorText(err) },
          "closing anyway: messages not committed are read again later",
        ),
      );
      // Leaving the group at once hands the partitions over now, not after a session timeout.
      await disconnect(client);
    },
  };
}

/** Resolves once the stream has emitted 'close' (the library untracks its topics there). */
async function closed(stream: KafkaStream): Promise<void> {
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
