import type { Logger } from "@route256/platform/logger";
import type { EventPublisher, OutboxSource } from "../service/ports.ts";
import { type BackgroundJob, startPeriodicJob } from "./periodic-job.ts";

/**
 * Publishes the outbox: woken as soon as events commit (OutboxSource.watch: PostgreSQL's
 * LISTEN/NOTIFY), and every `intervalMs` anyway, in case a wake-up was missed. Each run drains
 * batches until the outbox is empty. A failed publish (Kafka down) leaves the events in the outbox,
 * in order, and the next run tries again, so nothing is lost and each order's events keep their order.
 */
export async function startOutboxRelay(
  outbox: OutboxSource,
  publisher: EventPublisher,
  opts: { intervalMs: number; batch?: number; logger: Logger },
): Promise<BackgroundJob> {
  const job = relayJob(outbox, publisher, opts);
  const unwatch = await outbox
    .watch?.(() => job.wake())
    .catch((err) => {
      opts.logger.warn({ err }, "outbox notifications unavailable: the relay polls only");
      return undefined;
    });
  return {
    async stop() {
      await unwatch?.();
      await job.stop();
    },
  };
}

function relayJob(
  outbox: OutboxSource,
  publisher: EventPublisher,
  opts: { intervalMs: number; batch?: number; logger: Logger },
) {
  const batch = opts.batch ?? 100;
  return startPeriodicJob({
    name: "outbox-relay",
    intervalMs: opts.intervalMs,
    run: async () => {
      let published = 0;
      for (;;) {
        const n = await outbox.drain(batch, (events) => publisher.publish(events));
        published += n;
        if (n < batch) return published;
      }
    },
    what: "published order events",
    logger: opts.logger,
    quiet: true,
  });
}
