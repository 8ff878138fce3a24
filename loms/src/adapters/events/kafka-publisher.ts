import { SpanKind, trace } from "@opentelemetry/api";
import { compatibilityPartitioner, Producer, stringSerializers } from "@platformatic/kafka";
import { within } from "@route256/platform/concurrency/within";
import type { Logger } from "@route256/platform/logger";
import { contextFrom, failSpan, injectInto, tracer } from "@route256/platform/tracing/context";
import { type OrderEvent, orderEventJson } from "../../domain/order-event.ts";
import type { EventPublisher } from "../../service/ports.ts";

export const ORDER_EVENTS_TOPIC = "loms.order-events";

/**
 * Order events to Kafka: key = order id (one partition per order, so its events stay in order),
 * value = the event JSON, headers event-id (the notifier's dedupe key) and traceparent. The producer is idempotent —
 * a retried batch is not written twice — with finite retries, so a broker that stays down fails the
 * publish and the events wait in the outbox. The Java-compatible partitioner keeps the key → partition
 * mapping the same as any Java client's.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer<string, string, string, string>;

  constructor(bootstrapBrokers: string[], clientId: string, logger: Logger) {
    this.producer = new Producer({
      clientId,
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true,
      // With idempotent:true the library turns retries <= 1 into "forever": keep it finite and > 1.
      retries: 3,
      retryDelay: 200,
      timeout: 5_000,
      partitioner: compatibilityPartitioner,
    });
    // Connect now, not on the first event: the producer id (InitProducerId) and the topic's
    // metadata cost the first publish ~240 ms on a fresh broker (5–8 ms on a warm one), and every
    // status change committed meanwhile waited behind it (measured: the first ~14 events of
    // `just bench events` took 150–250 ms). A send made meanwhile joins the request in flight. A
    // broker that is down now only fails this; the first publish tries again.
    Promise.all([
      this.producer.initIdempotentProducer({}),
      this.producer.metadata({ topics: [ORDER_EVENTS_TOPIC] }),
    ]).catch((err) =>
      logger.warn({ err: String(err) }, "kafka not reachable yet: the outbox keeps the events"),
    );
  }

  async publish(events: readonly OrderEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One PRODUCER span per event, in the trace of the request that made the change (the outbox
    // kept its traceparent); the message carries the producer span's own context onwards.
    const sends = events.map((e) => {
      const parent = contextFrom({ traceparent: e.traceparent });
      const span = tracer().startSpan(
        `${ORDER_EVENTS_TOPIC} publish`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": ORDER_EVENTS_TOPIC,
            "messaging.kafka.message.key": String(e.orderId),
            "messaging.message.id": e.eventId,
          },
        },
        parent,
      );
      const headers: Record<string, string> = { "event-id": e.eventId };
      injectInto(headers, trace.setSpan(parent, span));
      const message = {
        topic: ORDER_EVENTS_TOPIC,
        key: String(e.orderId),
        value: orderEventJson(e),
        headers,
      };
      return { span, message };
    });
    try {
      await this.producer.send({ messages: sends.map((s) => s.message) });
    } catch (err) {
      for (const { span } of sends) failSpan(span, err);
      throw err;
    } finally {
      for (const { span } of sends) span.end();
    }
  }

  async close(): Promise<void> {
    // Leaving can wait on an unreachable broker: shutdown must not.
    await within(5_000, this.producer.close(true), "kafka producer close").catch(() => {});
  }
}
