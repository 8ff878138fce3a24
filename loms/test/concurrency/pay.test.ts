import { describe, expect, test } from "bun:test";
import { OrderStatus } from "../../src/domain/order.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import { awaitingOrder, fixtureRow, memoryLoms, stockRow } from "../support/loms.ts";
import { seededRandom } from "../support/prng.ts";
import { withJitter } from "../support/wrappers.ts";

const items = [
  { sku: 1076963n, count: 5 },
  { sku: 135717466n, count: 2 },
];

describe("concurrent OrderPay / OrderCancel of one order", () => {
  test("10 parallel payments all succeed and sell the units exactly once", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, items);
    await Promise.all(Array.from({ length: 10 }, () => orderPay(loms.deps, id)));

    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Paid);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 295, reserved: 35 });
    expect(stockRow(loms, 135717466n)).toEqual({ sku: 135717466n, totalCount: 98, reserved: 20 });
    expect(stockRow(loms, 1076963n).reserved).toBe(fixtureRow(loms.fixture, 1076963n).reserved);
  });

  test.each([1, 2, 3, 4, 5])("10 parallel payments with shuffled interleavings (seed %p)", async (seed) => {
    const random = seededRandom(seed);
    const loms = memoryLoms({
      wrapOrders: (inner) => withJitter(inner, random),
      wrapStocks: (inner) => withJitter(inner, random),
    });
    const id = await awaitingOrder(loms, items);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => orderPay(loms.deps, id)));

    expect(results.map((r) => r.status)).toEqual(Array(10).fill("fulfilled"));
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Paid);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 295, reserved: 35 });
    expect(stockRow(loms, 135717466n)).toEqual({ sku: 135717466n, totalCount: 98, reserved: 20 });
  });

  test.each([1, 2, 3])(
    "10 parallel cancels all succeed and free the units exactly once (seed %p)",
    async (seed) => {
      const random = seededRandom(seed);
      const loms = memoryLoms({
        wrapOrders: (inner) => withJitter(inner, random),
        wrapStocks: (inner) => withJitter(inner, random),
      });
      const other = await awaitingOrder(loms, items); // keeps units reserved: a double release would show
      const id = await awaitingOrder(loms, items);
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => orderCancel(loms.deps, id)));

      expect(results.map((r) => r.status)).toEqual(Array(10).fill("fulfilled"));
      expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
      expect((await orderInfo(loms.deps, other)).status).toBe(OrderStatus.AwaitingPayment);
      expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 300, reserved: 40 });
      expect(stockRow(loms, 135717466n)).toEqual({ sku: 135717466n, totalCount: 100, reserved: 22 });
    },
  );
});
