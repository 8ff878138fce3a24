import type { Logger } from "@route256/platform/logger";
import type { DedupeStore, NotificationHandler } from "./ports.ts";

/**
 * The notifier's one side effect: a log line per order status change. Free of Kafka on purpose —
 * the consumer feeds it from the topic, and the embedded mode hands it LOMS's events in-process.
 *
 * The event id is claimed in the dedupe store BEFORE the line is written, so an event delivered
 * twice (a redelivery after a rebalance, or a duplicate publish) is printed once. When the store
 * fails (Redis down) the event is printed anyway and a warning says so: a duplicate line is a
 * nuisance, a lost status change is a missed notification.
 */
export function createNotificationHandler(deps: {
  dedupe: DedupeStore;
  logger: Logger;
}): NotificationHandler {
  const { dedupe, logger } = deps;
  return {
    async handle(event) {
      const fields = {
        orderId: String(event.orderId), // a string: JSON numbers lose int64 precision in most readers
        status: event.status,
        eventId: event.eventId,
        moment: event.moment.toISOString(),
      };
      let first: boolean;
      try {
        first = await dedupe.firstTime(event.eventId);
      } catch (err) {
        logger.warn(
          { err: String(err), eventId: event.eventId },
          "dedupe store unavailable: printing without dedupe (this line may repeat)",
        );
        first = true;
      }
      if (!first) {
        logger.debug(fields, "duplicate event skipped");
        return "duplicate";
      }
      logger.info(fields, `order ${event.orderId}: status ${event.status}`);
      return "printed";
    },
  };
}
