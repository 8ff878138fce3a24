import { type Consumer, ListOffsetTimestamps } from "@platformatic/kafka";
import { assignedPartitions } from "@route256/platform/kafka/owned-commit";
import type { Logger } from "@route256/platform/logger";
import type { Gauge } from "prom-client";

type KafkaConsumer = Consumer<string, string, string, string>;

export interface LagMeter {
  /** Measure again soon: after a commit (coalesced: at most one measurement per `minGapMs`). */
  refreshSoon(): void;
  /** Stops measuring and removes this member's series. */
  stop(): void;
}

export interface LagMeterOptions {
  consumer: KafkaConsumer;
  topic: string;
  /** notifier_consumer_lag{partition} */
  gauge: Gauge<"partition">;
  /** A measurement at least this often, commits or not: the log end moves while nothing is handled. */
  intervalMs: number;
  logger: Logger;
}

/**
 * notifier_consumer_lag, measured: for each partition this member owns, the log end (ListOffsets,
 * latest) minus the group's committed offset as the broker has it (OffsetFetch) — or minus the log
 * start while the group has none (the consumer starts there). Not the library's consumer:lag, which
 * subtracts a stream-local copy of the committed offsets that can go stale across a rebalance.
 *
 * Measured after every join (series of partitions now owned by others are dropped at once), after
 * commits and every `intervalMs`. A busy consumer commits per message: measurements after commits
 * are coalesced to one per `minGapMs` (one second, or the interval when shorter), two requests each,
 * so the gauge costs a handful of requests per second, not one per commit.
 */
export function startLagMeter(opts: LagMeterOptions): LagMeter {
  const { consumer, topic, gauge, logger } = opts;
  const minGapMs = Math.min(1_000, opts.intervalMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = Number.POSITIVE_INFINITY; // when the timer fires (performance.now() clock)
  let lastStart = Number.NEGATIVE_INFINITY;
  let inFlight = false;
  let again = false;
  let stopped = false;
  const reported = new Set<number>();

  const schedule = (at: number) => {
    if (stopped || at >= due) return;
    clearTimeout(timer);
    due = at;
    timer = setTimeout(run, Math.max(0, at - performance.now()));
  };

  const dropUnowned = (owned: readonly number[]) => {
    for (const partition of reported) {
      if (owned.includes(partition)) continue;
      gauge.remove({ partition: String(partition) });
      reported.delete(partition);
    }
  };

  const run = () => {
    due = Number.POSITIVE_INFINITY;
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    lastStart = performance.now();
    measure()
      .catch((err) => logger.debug({ err: String(err) }, "consumer lag not measured"))
      .finally(() => {
        inFlight = false;
        const next = again ? lastStart + minGapMs : performance.now() + opts.intervalMs;
        again = false;
        schedule(next);
      });
  };

  const measure = async () => {
    // Mid-rejoin the assignment is about to change: the join measures again.
    if (!consumer.isActive()) return;
    const generation = consumer.generationId;
    const owned = assignedPartitions(consumer, topic);
    dropUnowned(owned);
    if (owned.length === 0) return;
    // Committed first, then the log end: a commit landing in between can only make the figure
    // higher than the truth for one round, never below 0.
    const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: owned }] })).get(
      topic,
    );
    const ends = (await consumer.listOffsets({ topics: [topic], partitions: { [topic]: owned } })).get(topic);
    const uncommitted = owned.filter((p) => (committed?.[p] ?? -1n) < 0n);
    const starts =
      uncommitted.length > 0
        ? (
            await consumer.listOffsets({
              topics: [topic],
              partitions: { [topic]: uncommitted },
              timestamp: ListOffsetTimestamps.EARLIEST,
            })
          ).get(topic)
        : undefined;
    // A rebalance while we asked: these partitions may be someone else's now; the join asks again.
    if (stopped || !consumer.isActive() || consumer.generationId !== generation) return;
    for (const partition of owned) {
      const end = ends?.[partition];
      const from = (committed?.[partition] ?? -1n) >= 0n ? committed?.[partition] : starts?.[partition];
      if (end === undefined || from === undefined) continue;
      gauge.set({ partition: String(partition) }, Number(end > from ? end - from : 0n));
      reported.add(partition);
    }
  };

  const onJoin = () => {
    dropUnowned(assignedPartitions(consumer, topic));
    schedule(performance.now());
  };
  consumer.on("consumer:group:join", onJoin);
  schedule(performance.now() + opts.intervalMs);

  return {
    refreshSoon() {
      if (inFlight) again = true;
      else schedule(Math.max(performance.now(), lastStart + minGapMs));
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      consumer.off("consumer:group:join", onJoin);
      for (const partition of reported) gauge.remove({ partition: String(partition) });
      reported.clear();
    },
  };
}
