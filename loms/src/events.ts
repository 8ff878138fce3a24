import type { Logger } from "@route256/platform/logger";
import { InProcessBus } from "./adapters/events/in-process-bus.ts";
import { KafkaEventPublisher } from "./adapters/events/kafka-publisher.ts";
import { startPaymentsConsumer } from "./adapters/events/payments-consumer.ts";
import type { LomsConfig } from "./config.ts";
import type { OrderEvent } from "./domain/order-event.ts";
import { applyPayment, type PaymentOutcome } from "./service/apply-payment.ts";
import type { EventPublisher, LomsDeps } from "./service/ports.ts";

/** Where the embedded mode's events go in this process (the notifier's handler, in `just dev`). */
export type OrderEventSink = (event: OrderEvent) => Promise<unknown>;

export interface LomsEvents {
  readonly publisher: EventPublisher;
  close(): Promise<void>;
}

/**
 * Where LOMS's order events go, and where payment results come from (LOMS_EVENTS):
 * - kafka: events to topic loms.order-events; results consumed from topic payments (the saga).
 * - memory: the embedded mode has no broker: events go through an in-process bus to `sink`, which
 *   whoever assembles the embedded mode supplies (scripts/embedded-loms.ts: the notifier's handler,
 *   so its lines appear in the dev console). Without one, LOMS alone, they are logged at debug level.
 */
export function openEvents(
  config: LomsConfig,
  deps: LomsDeps,
  logger: Logger,
  onPayment: (outcome: PaymentOutcome | "malformed") => void,
  sink?: OrderEventSink,
): LomsEvents {
  if (config.events.transport === "memory") {
    const nobodyListens: OrderEventSink = async (e) =>
      logger.debug({ orderId: String(e.orderId), status: e.status, eventId: e.eventId }, "order event");
    return { publisher: new InProcessBus(sink ?? nobodyListens), close: async () => {} };
  }
  const publisher = new KafkaEventPublisher(config.events.kafkaBrokers, "loms", logger);
  const payments = startPaymentsConsumer({
    bootstrapBrokers: config.events.kafkaBrokers,
    groupId: "loms-payments",
    clientId: "loms",
    apply: (result) => applyPayment(deps, result),
    logger,
    onOutcome: onPayment,
  });
  return {
    publisher,
    async close() {
      await payments.close();
      await publisher.close();
    },
  };
}
