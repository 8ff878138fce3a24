import type { OrderEvent, OrderStatus } from "../../src/domain/order-event.ts";

let seq = 0;

/** An event with sensible defaults; every call gets a fresh event id unless one is given. */
export function anEvent(overrides: Partial<OrderEvent> = {}): OrderEvent {
  seq++;
  return {
    eventId: `evt-${seq}`,
    orderId: 1000n + BigInt(seq),
    status: "new" as OrderStatus,
    moment: new Date("2026-11-21T10:00:00.000Z"),
    ...overrides,
  };
}

/** The message value exactly as LOMS writes it (loms/src/domain/order-event.ts). */
export function eventJson(e: { orderId: bigint; status: string; moment: Date }): string {
  return `{"order_id":${e.orderId},"status":${JSON.stringify(e.status)},"moment":"${e.moment.toISOString()}"}`;
}
