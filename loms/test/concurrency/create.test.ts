import { describe, expect, test } from "bun:test";
import { DomainError } from "@route256/platform/errors/domain-error";
import { InsufficientStockError } from "../../src/domain/errors.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { stocksInfo } from "../../src/service/stocks-info.ts";
import {
  expectedStock,
  idsUpTo,
  memoryLoms,
  readOrders,
  stockFixture,
  stockRow,
  stockViolations,
} from "../support/loms.ts";
import { seededRandom } from "../support/prng.ts";
import { checkedAfterEachCall, withJitter } from "../support/wrappers.ts";

describe("concurrent OrderCreate", () => {
  test("100 parallel orders of 1 unit of 1625903 (10000/0) lower available by exactly 100", async () => {
    const loms = memoryLoms();
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        orderCreate(loms.deps, BigInt(i + 1), [{ sku: 1625903n, count: 1 }]),
      ),
    );

    expect(new Set(ids).size).toBe(100);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(idsUpTo(100));
    expect(await stocksInfo(loms.deps, 1625903n)).toBe(9900);
    expect(stockRow(loms, 1625903n)).toEqual({ sku: 1625903n, totalCount: 10000, reserved: 100 });
    const orders = await readOrders(loms.deps, ids);
    expect(orders.every((o) => o.status === OrderStatus.AwaitingPayment)).toBe(true);
    expect(loms.stocks.snapshot()).toEqual(expectedStock(loms.fixture, orders));
  });

  test.each([1, 7, 99])("the same with interleavings shuffled (seed %p)", async (seed) => {
    const random = seededRandom(seed);
    const loms = memoryLoms({
      wrapOrders: (inner) => withJitter(inner, random),
      wrapStocks: (inner) => withJitter(inner, random),
    });
    const ids = await Promise.all(
      Array.from({ length: 100 }, () => orderCreate(loms.deps, 1n, [{ sku: 1625903n, count: 1 }])),
    );
    expect(new Set(ids).size).toBe(100);
    expect(await stocksInfo(loms.deps, 1625903n)).toBe(9900);
  });

  test("300 racing orders of 1 unit of 2956315 (270 available) never oversell", async () => {
    const loms = memoryLoms();
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        orderCreate(loms.deps, BigInt(i + 1), [{ sku: 2956315n, count: 1 }]),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));

    expect(won).toHaveLength(270);
    expect(lost).toHaveLength(30);
    for (const err of lost) {
      expect(err).toBeInstanceOf(InsufficientStockError);
      expect((err as InsufficientStockError).kind).toBe("failed_precondition");
      expect((err as InsufficientStockError).sku).toBe(2956315n);
    }
    expect(await stocksInfo(loms.deps, 2956315n)).toBe(0);
    expect(stockRow(loms, 2956315n)).toEqual({ sku: 2956315n, totalCount: 300, reserved: 300 });

    const orders = await readOrders(loms.deps, idsUpTo(300));
    expect(orders.filter((o) => o.status === OrderStatus.AwaitingPayment)).toHaveLength(270);
    expect(orders.filter((o) => o.status === OrderStatus.Failed)).toHaveLength(30);
    expect(loms.stocks.snapshot()).toEqual(expectedStock(loms.fixture, orders));
  });

  test.each([3, 11, 2024])("50 racing orders for 5 available units, shuffled (seed %p)", async (seed) => {
    const random = seededRandom(seed);
    const fixture = stockFixture({ "100": [8, 3] });
    const violations: string[] = [];
    const loms = memoryLoms({
      fixture,
      wrapOrders: (inner) => withJitter(inner, random),
      wrapStocks: (inner) =>
        checkedAfterEachCall(withJitter(inner, random), () =>
          violations.push(...stockViolations(fixture, inner.snapshot())),
        ),
    });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => orderCreate(loms.deps, 1n, [{ sku: 100n, count: 1 }])),
    );

    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(lost).toHaveLength(45);
    expect(lost.every((e) => e instanceof DomainError && e.kind === "failed_precondition")).toBe(true);
    expect(await stocksInfo(loms.deps, 100n)).toBe(0);
    expect(stockRow(loms, 100n)).toEqual({ sku: 100n, totalCount: 8, reserved: 8 });
    expect(violations).toEqual([]);
  });

  test("racing multi-item orders are all-or-nothing: no partial reservation survives", async () => {
    const random = seededRandom(5);
    // A is scarce, B scarcer; every order wants both.
    const fixture = stockFixture({ "1": [10, 0], "2": [6, 1] });
    const loms = memoryLoms({
      fixture,
      wrapOrders: (inner) => withJitter(inner, random),
      wrapStocks: (inner) => withJitter(inner, random),
    });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        orderCreate(loms.deps, 1n, [
          { sku: 2n, count: 1 + (i % 2) },
          { sku: 1n, count: 1 + (i % 3) },
        ]),
      ),
    );
    const orders = await readOrders(loms.deps, idsUpTo(40));
    expect(orders.filter((o) => o.status === OrderStatus.AwaitingPayment).length).toBe(
      results.filter((r) => r.status === "fulfilled").length,
    );
    expect(orders.some((o) => o.status === OrderStatus.Failed)).toBe(true);
    expect(loms.stocks.snapshot()).toEqual(expectedStock(fixture, orders));
    expect(stockViolations(fixture, loms.stocks.snapshot())).toEqual([]);
  });
});
