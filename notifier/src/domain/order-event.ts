/** Order statuses exactly as LOMS writes them on the wire. */
export const ORDER_STATUSES = ["new", "awaiting payment", "failed", "paid", "cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * One order status change, as the notifier sees it. The same shape as LOMS's OrderEvent, declared
 * here so the notifier does not depend on LOMS (the embedded mode's composition root hands LOMS's
 * events to this service's handler, and TypeScript checks there that the shapes match).
 */
export interface OrderEvent {
  /** Unique per change (Kafka header event-id): the dedupe key. */
  readonly eventId: string;
  readonly orderId: bigint;
  readonly status: OrderStatus;
  readonly moment: Date;
}
