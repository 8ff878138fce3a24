import { type RunningConsumerLoop, startConsumerLoop } from "@route256/platform/kafka/consumer-loop";
import type { Logger } from "@route256/platform/logger";
import type { NotifierConfig } from "../config.ts";
import type { NotificationHandler } from "../service/ports.ts";
import { startLagMeter } from "./lag.ts";
import { handleOrderEventMessage } from "./message.ts";
import type { NotifierMetrics } from "./metrics.ts";

type KafkaSettings = NotifierConfig["kafka"];

/** The Kafka settings (documented where they are read from the environment) and what to run on them. */
export interface OrderEventsConsumerOptions extends KafkaSettings {
  handler: NotificationHandler;
  logger: Logger;
  metrics: NotifierMetrics;
}

export type RunningConsumer = RunningConsumerLoop;

/**
 * The notifier's transport: a member of group `groupId` on the order-events topic, on the project's
 * one consume loop (startConsumerLoop: offsets committed after handling, a fetched batch handled
 * concurrently across orders and each order's events in order, rebalance-safe, a new client after a
 * failure, graceful stop). Redeliveries — after a failure, or a rebalance mid-batch — reach the
 * handler again, whose dedupe makes them "duplicate": each line is printed once.
 */
export function startOrderEventsConsumer(opts: OrderEventsConsumerOptions): RunningConsumer {
  const { handler, logger, metrics } = opts;
  return startConsumerLoop({
    ...opts,
    name: "order events",
    handle: async (message, span) => {
      const result = await handleOrderEventMessage(message, handler, logger);
      span.setAttribute("notifier.result", result);
      metrics.events.inc({ result });
    },
    attach: (consumer) => {
      const lag = startLagMeter({
        consumer,
        topic: opts.topic,
        gauge: metrics.lag,
        intervalMs: opts.lagIntervalMs,
        logger,
      });
      return { committed: () => lag.refreshSoon(), stop: () => lag.stop() };
    },
    onRestart: () => metrics.restarts.inc(),
  });
}
