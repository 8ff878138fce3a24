import type { OrderStatus } from "./order.ts";

/** An order status change, as published to `loms.order-events` and printed by the notifier. */
export interface OrderEvent {
  /** Unique per change: the notifier's dedupe key (Kafka header event-id). */
  readonly eventId: string;
  readonly orderId: bigint;
  readonly status: OrderStatus;
  readonly moment: Date;
}

/**
 * The message value, exactly `{"order_id":N,"status":"...","moment":"RFC3339"}`. The id is written as
 * a JSON number from the bigint itself, never through a double.
 */
export function orderEventJson(e: OrderEvent): string {
  return `{"order_id":${e.orderId},"status":${JSON.stringify(e.status)},"moment":"${e.moment.toISOString()}"}`;
}
