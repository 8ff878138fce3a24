import {
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";
import { within } from "@route256/platform/concurrency/within";

export interface SeenEvent {
  key: string;
  value: string;
  eventId: string;
  /** The traceparent header (W3C trace context of the producer span). */
  traceparent: string | undefined;
  partition: number;
  body: { order_id: number; status: string; moment: string };
}

/**
 * Reads loms.order-events from the beginning into `seen`, as an independent observer. It survives
 * the broker going away (tests stop Kafka): the stream is reopened from the group's committed
 * offsets, and each message is committed once recorded.
 */
export async function watchOrderEvents(bootstrap: string, group: string) {
  const seen: SeenEvent[] = [];
  let closed = false;
  let current: { close(): Promise<unknown> } | undefined;
  const consumer = new Consumer({
    clientId: group,
    groupId: group,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    autocommit: false,
    retries: 300, // ride out the broker's outage inside the stream: this observer never starts over
    retryDelay: 1_000,
  });
  const loop = (async () => {
    while (!closed) {
      try {
        const stream = await consumer.consume({
          topics: ["loms.order-events"],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        });
        current = stream;
        for await (const m of stream as AsyncIterable<Message<string, string, string, string>>) {
          seen.push({
            key: m.key,
            value: m.value,
            eventId: m.headers.get("event-id") ?? "",
            traceparent: m.headers.get("traceparent"),
            partition: m.partition,
            body: JSON.parse(m.value),
          });
          await m.commit();
        }
      } catch {
        if (!closed) await Bun.sleep(500); // broker away: try again
      }
    }
  })();
  return {
    seen,
    /** The statuses seen for an order, in the order they arrived. */
    statusesOf: (orderId: string) => seen.filter((e) => e.key === orderId).map((e) => e.body.status),
    async close() {
      closed = true;
      await current?.close().catch(() => {});
      await loop;
      await within(5_000, consumer.close(true), "kafka consumer close").catch(() => {});
    },
  };
}

export function paymentsProducer(bootstrap: string) {
  return new Producer({
    clientId: "test-payments",
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    idempotent: true,
    retries: 5,
  });
}

/** Polls `cond` until it holds, up to `ms`; returns whether it did. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await cond()) return true;
    await Bun.sleep(100);
  }
  return cond();
}
