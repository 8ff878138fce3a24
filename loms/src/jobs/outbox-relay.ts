import type { Logger } from "@route256/platform";
import type { EventPublisher, OutboxSource } from "../service/ports.ts";
import { type BackgroundJob, startPeriodicJob } from "./periodic-job.ts";

/**
 * Publishes the outbox: every `intervalMs` it drains batches until the outbox is empty. A failed
 * publish (Kafka down) leaves the events in the outbox, in order, and the next round tries again,
 * so nothing is lost and each order's events keep their order.
 */
export function startOutboxRelay(
  outbox: OutboxSource,
  publisher: EventPublisher,
  opts: { intervalMs: number; batch?: number; logger: Logger },
): BackgroundJob {
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
