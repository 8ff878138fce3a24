import type { ServerConfig } from "@route256/platform/config";
import { createLogger } from "@route256/platform/logger";
import { MemoryDedupeStore } from "./adapters/memory-dedupe.ts";
import type { OrderEvent } from "./domain/order-event.ts";
import { createNotificationHandler } from "./service/handler.ts";
import type { HandleResult } from "./service/ports.ts";

/**
 * The notifier without Kafka or Redis, for a process that produces the events itself (the embedded
 * mode: LOMS's in-process bus). The same handler as the service's, with dedupe in memory and its own
 * logger, so its lines read exactly like the notifier service's ("service":"notifier").
 */
export function inProcessNotifier(log: Pick<ServerConfig, "logLevel" | "logFormat">): {
  handle(event: OrderEvent): Promise<HandleResult>;
} {
  return createNotificationHandler({
    dedupe: new MemoryDedupeStore(),
    logger: createLogger("notifier", log.logLevel, log.logFormat),
  });
}
