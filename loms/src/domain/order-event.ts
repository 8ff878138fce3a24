import type { OrderStatus } from "./order.ts";

/** An order status change, as published to `loms.order-events` and printed by the notifier. */
export interface OrderEvent {
  /** Unique per change: the notifier's dedupe key (Kafka header event-id). */
  readonly eventId: string;
  readonly orderId: bigint;
  readonly status: OrderStatus;
  readonly moment: Date;
  /**
   * W3C trace context of the request that made the change (Kafka header traceparent), so the
   * consumer's work joins that request's trace; absent when the change was made outside a trace.
   */
  readonly traceparent?: string;
}

/**
 * The message value, exactly `{"order_id":N,"status":"...","moment":"RFC3339"}`. The id is written as
 * a JSON number from the bigint itself, never through a double.
 */
export function orderEventJson(e: OrderEvent): string {
  return `{"order_id":${e.orderId},"status":${JSON.stringify(e.status)},"moment":"${e.moment.toISOString()}"}`;
}

/** Names the trace a status change starts when no request made it (expiry, repair): see traceparent. */
export const STATUS_CHANGE = "order status change";
