import type { Logger } from "@route256/platform/logger";
import type { NotificationHandler } from "../service/ports.ts";
import type { EventResult } from "./metrics.ts";
import { MalformedEventError, parseOrderEvent } from "./parse-event.ts";

/** The parts of a Kafka message the handling needs (the value is missing on a tombstone). */
export interface OrderEventRecord {
  readonly value: string | undefined;
  readonly key: string | undefined;
  readonly headers: ReadonlyMap<string, string | undefined>;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Handles one message. A malformed one is logged and reported as such — it would never parse, so
 * retrying it would only block its partition (a poison pill); the caller commits it like any other.
 * Any other failure is thrown: the caller must not commit, so the message is read again.
 */
export async function handleOrderEventMessage(
  message: OrderEventRecord,
  handler: NotificationHandler,
  logger: Logger,
): Promise<EventResult> {
  let event: ReturnType<typeof parseOrderEvent>;
  try {
    event = parseOrderEvent(message.value, message.headers.get("event-id"));
  } catch (err) {
    if (!(err instanceof MalformedEventError)) throw err;
    logger.warn(
      {
        partition: message.partition,
        offset: String(message.offset),
        key: message.key,
        reason: err.message,
        value: message.value?.slice(0, 500),
      },
      "malformed order event skipped",
    );
    return "malformed";
  }
  return await handler.handle(event);
}
