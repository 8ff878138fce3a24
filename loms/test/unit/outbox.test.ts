import { describe, expect, test } from "bun:test";
import { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { type OrderEvent, orderEventJson } from "../../src/domain/order-event.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import { memoryLoms } from "../support/loms.ts";
import { createNew } from "../support/orders.ts";

const statusesOf = (events: readonly OrderEvent[], orderId: bigint) =>
  events.filter((e) => e.orderId === orderId).map((e) => e.status);

describe("the outbox", () => {
  test("every status change writes one event, in order: create → pay", async () => {
    const loms = memoryLoms();
    const id = await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    await orderPay(loms.deps, id);
    await orderPay(loms.deps, id); // idempotent: no second "paid"
    expect(statusesOf(loms.orders.events(), id)).toEqual([
      OrderStatus.New,
      OrderStatus.AwaitingPayment,
      OrderStatus.Paid,
    ]);
  });

  test("a failed create and a cancellation are events too; ids are unique", async () => {
    const loms = memoryLoms();
    await expect(orderCreate(loms.deps, 1n, [{ sku: 139819069n, count: 1 }])).rejects.toThrow();
    const ok = await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    await orderCancel(loms.deps, ok);
    const events = loms.orders.events();
    expect(statusesOf(events, 1n)).toEqual([OrderStatus.New, OrderStatus.Failed]);
    expect(statusesOf(events, ok)).toEqual([
      OrderStatus.New,
      OrderStatus.AwaitingPayment,
      OrderStatus.Cancelled,
    ]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  test("drain publishes oldest first and marks sent only when publish succeeds", async () => {
    const orders = new MemoryOrderRepository();
    for (let i = 0; i < 5; i++) await createNew(orders, BigInt(i + 1), [{ sku: 1n, count: 1 }], new Date(i));
    const seen: bigint[] = [];
    await expect(
      orders.drain(3, async () => {
        throw new Error("kafka down");
      }),
    ).rejects.toThrow("kafka down");
    expect(await orders.backlog()).toBe(5); // nothing lost
    expect(await orders.drain(3, async (events) => void seen.push(...events.map((e) => e.orderId)))).toBe(3);
    expect(await orders.drain(3, async (events) => void seen.push(...events.map((e) => e.orderId)))).toBe(2);
    expect(await orders.drain(3, async () => {})).toBe(0);
    expect(seen).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(await orders.backlog()).toBe(0);
  });

  test("one drain at a time: a second concurrent drain takes nothing (order must hold)", async () => {
    const orders = new MemoryOrderRepository();
    await createNew(orders, 1n, [{ sku: 1n, count: 1 }], new Date(0));
    let release!: () => void;
    const first = orders.drain(10, () => new Promise<void>((r) => (release = r)));
    expect(await orders.drain(10, async () => {})).toBe(0);
    release();
    expect(await first).toBe(1);
  });

  test("the event value is exactly {order_id, status, moment}; int64 ids stay exact", () => {
    const json = orderEventJson({
      eventId: "x",
      orderId: 9223372036854775807n,
      status: OrderStatus.AwaitingPayment,
      moment: new Date("2026-11-21T07:00:00.123Z"),
    });
    expect(json).toBe(
      '{"order_id":9223372036854775807,"status":"awaiting payment","moment":"2026-11-21T07:00:00.123Z"}',
    );
  });
});
