import type { OrderEvent } from "../../domain/order-event.ts";
import type { EventPublisher } from "../../service/ports.ts";

/**
 * The embedded mode's stand-in for Kafka: events go straight to a handler in this process (under
 * `just dev`, the notifier's handler, wired in by scripts/embedded-loms.ts), one at a time, in order. A handler failure fails the publish, so the
 * outbox keeps the events for the next round exactly as it would while Kafka is down.
 */
export class InProcessBus implements EventPublisher {
  constructor(private readonly handle: (event: OrderEvent) => Promise<unknown>) {}

  async publish(events: readonly OrderEvent[]): Promise<void> {
    for (const event of events) await this.handle(event);
  }
}
