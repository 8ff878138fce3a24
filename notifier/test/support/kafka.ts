import { Admin, compatibilityPartitioner, Producer, stringSerializers } from "@platformatic/kafka";
import { eventJson } from "./events.ts";

export interface PublishedEvent {
  readonly eventId: string;
  readonly orderId: bigint;
  readonly status: string;
  readonly moment: Date;
}

/** The partition the producer picks for an order's events (Java-compatible murmur2 of the key). */
export function partitionOf(orderId: bigint, partitions = 2): number {
  const hash = compatibilityPartitioner(undefined as never, Buffer.from(String(orderId)) as never) as number;
  return hash % partitions;
}

/** A topic of a test's own (2 partitions, like loms.order-events), so scenarios do not see each other. */
export async function createTopic(bootstrap: string, topic: string, partitions = 2): Promise<void> {
  const admin = new Admin({ clientId: "notifier-test-admin", bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    // A partition without a leader yet would fail the first send.
    for (let i = 0; i < 100; i++) {
      const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
      const t = meta.topics.get(topic);
      if (t && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0)) return;
      await Bun.sleep(100);
    }
    throw new Error(`topic ${topic} has no leaders`);
  } finally {
    await admin.close();
  }
}

/** Publishes like LOMS does: idempotent producer, key = order id, header event-id, Java partitioning. */
export class EventProducer {
  private readonly producer: Producer<string, string, string, string>;

  constructor(
    bootstrap: string,
    private readonly topic: string,
  ) {
    this.producer = new Producer({
      clientId: "notifier-test-producer",
      bootstrapBrokers: [bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      retries: 5, // with idempotent:true the library turns retries <= 1 into "forever"
      partitioner: compatibilityPartitioner,
    });
  }

  async publish(events: readonly PublishedEvent[]): Promise<void> {
    await this.producer.send({
      messages: events.map((e) => ({
        topic: this.topic,
        key: String(e.orderId),
        value: eventJson(e),
        headers: { "event-id": e.eventId },
      })),
    });
  }

  /** A message that can never be handled: garbage value, or no event-id header. */
  async publishRaw(key: string, value: string, eventId?: string): Promise<void> {
    await this.producer.send({
      messages: [{ topic: this.topic, key, value, headers: eventId ? { "event-id": eventId } : {} }],
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

const STATUSES = ["new", "awaiting payment", "paid"] as const;

/**
 * `orders` orders, each going through new → awaiting payment → paid (or cancelled for every third),
 * with event ids unique to `run`. Order ids include int64 values a double would round.
 */
export function orderHistories(run: string, orders: number, firstId: bigint): PublishedEvent[][] {
  const histories: PublishedEvent[][] = [];
  for (let i = 0; i < orders; i++) {
    const orderId = firstId + BigInt(i);
    const statuses = i % 3 === 2 ? ["new", "awaiting payment", "cancelled"] : STATUSES;
    histories.push(
      statuses.map((status, step) => ({
        eventId: `${run}-${orderId}-${step}`,
        orderId,
        status,
        moment: new Date(Date.UTC(2026, 10, 21, 10, i, step)),
      })),
    );
  }
  return histories;
}

/** Events interleaved across orders as a busy LOMS would publish them: each order's own events in order. */
export function interleave(histories: readonly PublishedEvent[][]): PublishedEvent[] {
  const out: PublishedEvent[] = [];
  const longest = Math.max(...histories.map((h) => h.length));
  for (let step = 0; step < longest; step++) {
    for (const h of histories) {
      const event = h[step];
      if (event) out.push(event);
    }
  }
  return out;
}
