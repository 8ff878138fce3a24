import { MemoryDedupeStore } from "@route256/notifier/dedupe.ts";
import { createNotificationHandler } from "@route256/notifier/handler.ts";
import { createLogger, type Logger } from "@route256/platform";
import { InProcessBus } from "./adapters/events/in-process-bus.ts";
import { KafkaEventPublisher } from "./adapters/events/kafka-publisher.ts";
import { PaymentsConsumer } from "./adapters/events/payments-consumer.ts";
import type { LomsConfig } from "./config.ts";
import { applyPayment, type PaymentOutcome } from "./service/apply-payment.ts";
import type { EventPublisher, LomsDeps } from "./service/ports.ts";

export interface LomsEvents {
  readonly publisher: EventPublisher;
  close(): Promise<void>;
}

/**
 * Where LOMS's order events go, and where payment results come from (LOMS_EVENTS):
 * - kafka: events to topic loms.order-events; results consumed from topic payments (the saga).
 * - memory: the embedded mode has no broker: events go through an in-process bus to the notifier's
 *   own handler code, running in this process, so its lines appear in the dev console.
 */
export function openEvents(
  config: LomsConfig,
  deps: LomsDeps,
  logger: Logger,
  onPayment: (outcome: PaymentOutcome | "malformed") => void,
): LomsEvents {
  if (config.events.transport === "memory") {
    const notifier = createNotificationHandler({
      dedupe: new MemoryDedupeStore(24 * 60 * 60),
      // Its own logger, so its lines read exactly like the notifier service's ("service":"notifier").
      logger: createLogger("notifier", config.server.logLevel, config.server.logFormat),
    });
    return { publisher: new InProcessBus((event) => notifier.handle(event)), close: async () => {} };
  }
  const publisher = new KafkaEventPublisher(config.events.kafkaBrokers, "loms");
  const payments = new PaymentsConsumer({
    bootstrapBrokers: config.events.kafkaBrokers,
    groupId: "loms-payments",
    clientId: "loms",
    apply: (result) => applyPayment(deps, result),
    logger,
    onOutcome: onPayment,
  });
  payments.start();
  return {
    publisher,
    async close() {
      await payments.close();
      await publisher.close();
    },
  };
}
