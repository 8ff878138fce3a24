import { describe, expect, test } from "bun:test";
import { DomainError } from "@route256/platform/errors/domain-error";
import { rejectionOf } from "@route256/testkit/helpers";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import {
  InsufficientStockError,
  OrderNotFoundError,
  ReservationAbandonedError,
  UnknownSkuError,
} from "../../src/domain/errors.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { stocksInfo } from "../../src/service/stocks-info.ts";
import { fixtureRow, memoryLoms, stockFixture, stockRow } from "../support/loms.ts";
import { SpyOrderRepository, SpyStockRepository } from "../support/wrappers.ts";

describe("orderCreate", () => {
  test("reserves every item: the order awaits payment, available falls and reserved rises by the counts", async () => {
    const loms = memoryLoms();
    const orderId = await orderCreate(loms.deps, 42n, [
      { sku: 1076963n, count: 5 },
      { sku: 1148162n, count: 7 },
    ]);

    expect(orderId).toBe(1n);
    const order = await orderInfo(loms.deps, orderId);
    expect(order.status).toBe(OrderStatus.AwaitingPayment);
    expect(order.userId).toBe(42n);
    expect(order.items).toEqual([
      { sku: 1076963n, count: 5 },
      { sku: 1148162n, count: 7 },
    ]);

    expect(await stocksInfo(loms.deps, 1076963n)).toBe(265 - 5);
    expect(await stocksInfo(loms.deps, 1148162n)).toBe(300 - 7);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 300, reserved: 35 + 5 });
    expect(stockRow(loms, 1148162n)).toEqual({ sku: 1148162n, totalCount: 300, reserved: 7 });
    expect(await loms.stocks.reservationOf(orderId)).toBe("reserved");
  });

  test("touches no other sku", async () => {
    const loms = memoryLoms();
    await orderCreate(loms.deps, 1n, [{ sku: 1625903n, count: 1 }]);
    const changed = loms.stocks
      .snapshot()
      .filter((s) => {
        const before = fixtureRow(STOCK_FIXTURE, s.sku);
        return before.totalCount !== s.totalCount || before.reserved !== s.reserved;
      })
      .map((s) => s.sku);
    expect(changed).toEqual([1625903n]);
  });

  test("ids count up per order, failed ones included", async () => {
    const loms = memoryLoms();
    expect(await orderCreate(loms.deps, 1n, [{ sku: 1148162n, count: 1 }])).toBe(1n);
    await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 404n, count: 1 }]));
    expect(await orderCreate(loms.deps, 1n, [{ sku: 1148162n, count: 1 }])).toBe(3n);
  });

  test("reserving exactly what is available succeeds and leaves zero", async () => {
    const loms = memoryLoms();
    await orderCreate(loms.deps, 1n, [{ sku: 135717466n, count: 80 }]);
    expect(await stocksInfo(loms.deps, 135717466n)).toBe(0);
    expect(stockRow(loms, 135717466n)).toEqual({ sku: 135717466n, totalCount: 100, reserved: 100 });
  });

  test("user ids over the whole int64 range are kept exactly", async () => {
    const loms = memoryLoms();
    const id = await orderCreate(loms.deps, 9223372036854775807n, [{ sku: 1148162n, count: 1 }]);
    expect((await orderInfo(loms.deps, id)).userId).toBe(9223372036854775807n);
  });

  test("duplicate skus in a request are merged into one line, reserved once with the sum", async () => {
    const loms = memoryLoms();
    const id = await orderCreate(loms.deps, 1n, [
      { sku: 2956315n, count: 2 },
      { sku: 1076963n, count: 1 },
      { sku: 2956315n, count: 3 },
    ]);
    expect((await orderInfo(loms.deps, id)).items).toEqual([
      { sku: 1076963n, count: 1 },
      { sku: 2956315n, count: 5 },
    ]);
    expect(stockRow(loms, 2956315n).reserved).toBe(30 + 5);
    expect(stockRow(loms, 1076963n).reserved).toBe(35 + 1);
  });

  test("duplicate lines that fit one by one but not together fail as a whole", async () => {
    const loms = memoryLoms();
    // 135717466 has 80 available: 50 fits, 50 + 50 does not.
    const err = await rejectionOf(
      orderCreate(loms.deps, 1n, [
        { sku: 135717466n, count: 50 },
        { sku: 135717466n, count: 50 },
      ]),
    );
    expect(err).toBeInstanceOf(InsufficientStockError);
    expect(err).toMatchObject({ sku: 135717466n, requested: 100, available: 80 });
    expect(stockRow(loms, 135717466n)).toEqual(fixtureRow(STOCK_FIXTURE, 135717466n));
  });

  test("lines of one sku adding up past the uint32 count are invalid_argument naming items: nothing stored, no event", async () => {
    const loms = memoryLoms();
    const err = await rejectionOf(
      orderCreate(loms.deps, 1n, [
        { sku: 1625903n, count: 4294967295 },
        { sku: 1076963n, count: 1 },
        { sku: 1625903n, count: 2 },
      ]),
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: "invalid_argument" });
    expect((err as Error).message).toStartWith("invalid items:");
    expect((err as Error).message).toContain("4294967297");
    expect(loms.orders.events()).toEqual([]);
    expect(await rejectionOf(orderInfo(loms.deps, 1n))).toBeInstanceOf(OrderNotFoundError);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    // Exactly the largest count still merges into one line.
    const loms2 = memoryLoms({ fixture: stockFixture({ 1625903: [4294967295, 0] }) });
    const id = await orderCreate(loms2.deps, 1n, [
      { sku: 1625903n, count: 4294967294 },
      { sku: 1625903n, count: 1 },
    ]);
    expect((await orderInfo(loms2.deps, id)).items).toEqual([{ sku: 1625903n, count: 4294967295 }]);
  });

  test("stocksInfo says at most the uint32 count, whatever a stock row holds", async () => {
    const loms = memoryLoms({ fixture: stockFixture({ 1625903: [2 ** 53, 0] }) });
    expect(await stocksInfo(loms.deps, 1625903n)).toBe(4294967295);
  });

  describe("any item short", () => {
    const items = [
      { sku: 1076963n, count: 10 }, // 265 available: enough
      { sku: 135717466n, count: 81 }, // 80 available: short
      { sku: 1148162n, count: 10 }, // 300 available: enough
    ];

    test("rejects with InsufficientStockError (failed_precondition) naming the sku", async () => {
      const loms = memoryLoms();
      const err = await rejectionOf(orderCreate(loms.deps, 1n, items));
      expect(err).toBeInstanceOf(InsufficientStockError);
      const e = err as InsufficientStockError;
      expect(e.kind).toBe("failed_precondition");
      expect(e.orderId).toBe(1n);
      expect(e.sku).toBe(135717466n);
      expect(e.requested).toBe(81);
      expect(e.available).toBe(80);
      expect(e.message).toContain("135717466");
    });

    test("stores the order as failed with its items", async () => {
      const loms = memoryLoms();
      await rejectionOf(orderCreate(loms.deps, 7n, items));
      const order = await orderInfo(loms.deps, 1n);
      expect(order.status).toBe(OrderStatus.Failed);
      expect(order.userId).toBe(7n);
      expect(order.items).toEqual([
        { sku: 1076963n, count: 10 },
        { sku: 1148162n, count: 10 },
        { sku: 135717466n, count: 81 },
      ]);
    });

    test("changes no stock at all, neither the short sku nor the ones that had enough", async () => {
      const loms = memoryLoms();
      await rejectionOf(orderCreate(loms.deps, 1n, items));
      for (const { sku } of items) expect(stockRow(loms, sku)).toEqual(fixtureRow(STOCK_FIXTURE, sku));
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
      expect(await loms.stocks.reservationOf(1n)).toBeUndefined();
    });

    test("the short item may be the last one in sku order: earlier items are still untouched", async () => {
      const loms = memoryLoms();
      const err = await rejectionOf(
        orderCreate(loms.deps, 1n, [
          { sku: 1076963n, count: 1 },
          { sku: 139818428n, count: 1 }, // 100/101: nothing available
        ]),
      );
      expect(err).toMatchObject({ sku: 139818428n, requested: 1, available: 0 });
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    });

    test("an sku with everything reserved (139819069: 100/100) cannot be ordered", async () => {
      const loms = memoryLoms();
      const err = await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 139819069n, count: 1 }]));
      expect(err).toBeInstanceOf(InsufficientStockError);
      expect((await orderInfo(loms.deps, 1n)).status).toBe(OrderStatus.Failed);
    });
  });

  describe("unknown sku", () => {
    test("rejects with UnknownSkuError (failed_precondition) naming the sku; the order is stored failed", async () => {
      const loms = memoryLoms();
      const err = await rejectionOf(
        orderCreate(loms.deps, 1n, [
          { sku: 1076963n, count: 1 },
          { sku: 9223372036854775807n, count: 1 },
        ]),
      );
      expect(err).toBeInstanceOf(UnknownSkuError);
      const e = err as UnknownSkuError;
      expect(e.kind).toBe("failed_precondition");
      expect(e.sku).toBe(9223372036854775807n);
      expect(e.orderId).toBe(1n);
      expect(e.message).toContain("9223372036854775807");
      expect((await orderInfo(loms.deps, 1n)).status).toBe(OrderStatus.Failed);
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    });
  });

  describe("a reservation settled before reserve ran (the repair job gave up on the order)", () => {
    test("rejects with ReservationAbandonedError and stores the order failed (release beforehand)", async () => {
      const loms = memoryLoms();
      // Ids start at 1: the next order is 1.
      expect(await loms.stocks.release(1n)).toBeUndefined();
      const err = await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]));
      expect(err).toBeInstanceOf(ReservationAbandonedError);
      expect((err as ReservationAbandonedError).kind).toBe("failed_precondition");
      expect((err as ReservationAbandonedError).orderId).toBe(1n);
      expect((await orderInfo(loms.deps, 1n)).status).toBe(OrderStatus.Failed);
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    });

    test("a release racing in between create and reserve gives the same outcome", async () => {
      const loms = memoryLoms({
        wrapStocks: (inner) =>
          new SpyStockRepository(inner, {
            reserve: async (orderId, items) => {
              await inner.release(orderId);
              return inner.reserve(orderId, items, new Date(0));
            },
          }),
      });
      const err = await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]));
      expect(err).toBeInstanceOf(ReservationAbandonedError);
      expect((await orderInfo(loms.deps, 1n)).status).toBe(OrderStatus.Failed);
      expect(await loms.stocks.reservationOf(1n)).toBe("released");
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    });

    test("an order already sold is reported abandoned too (settled: sold)", async () => {
      const loms = memoryLoms({
        wrapStocks: (inner) =>
          new SpyStockRepository(inner, {
            reserve: async () => ({ ok: false, reason: "settled", state: "sold" }),
          }),
      });
      const err = await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]));
      expect(err).toBeInstanceOf(ReservationAbandonedError);
      expect((await orderInfo(loms.deps, 1n)).status).toBe(OrderStatus.Failed);
    });
  });

  test("stock is reserved first, under the id the order then gets; the order is stored once, with its outcome", async () => {
    const seen: string[] = [];
    const holder: { spy?: SpyOrderRepository } = {};
    const loms = memoryLoms({
      wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner)),
      wrapStocks: (inner) =>
        new SpyStockRepository(inner, {
          reserve: async (orderId, items, now) => {
            seen.push((await loms.orders.get(orderId))?.status ?? "absent");
            return inner.reserve(orderId, items, now);
          },
        }),
    });
    const id = await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    expect(seen).toEqual(["absent"]);
    expect(await loms.stocks.reservationOf(id)).toBe("reserved");
    // Two units of work on the common path (reserve, create), no status change, no read-back.
    const calls = holder.spy!.calls;
    expect(calls).toMatchObject({ newId: 1, create: 1, changeStatus: 0, get: 0 });
    expect(loms.orders.events().map((e) => [e.orderId, e.status])).toEqual([
      [id, OrderStatus.New],
      [id, OrderStatus.AwaitingPayment],
    ]);
  });

  test("a refused reservation leaves no trace in stock; the order is stored failed with events new, failed", async () => {
    const loms = memoryLoms();
    const err = await rejectionOf(orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1_000 }]));
    const id = (err as InsufficientStockError).orderId;
    expect(await loms.stocks.reservationOf(id)).toBeUndefined();
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Failed);
    expect(loms.orders.events().map((e) => e.status)).toEqual([OrderStatus.New, OrderStatus.Failed]);
  });

  test("the events carry the moments of the two steps: new when the order came in, the outcome when it was decided", async () => {
    const loms = memoryLoms({
      wrapStocks: (inner) =>
        new SpyStockRepository(inner, {
          reserve: async (orderId, items, now) => {
            loms.clock.advance(5); // the reservation takes a while
            return inner.reserve(orderId, items, now);
          },
        }),
    });
    const start = loms.clock.now().getTime();
    const id = await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    expect(loms.orders.events().map((e) => e.moment.getTime() - start)).toEqual([0, 5]);
    const order = await orderInfo(loms.deps, id);
    expect(order.createdAt.getTime() - start).toBe(0);
    expect(order.updatedAt.getTime() - start).toBe(5);
  });

  test("createdAt and updatedAt come from the injected clock", async () => {
    const loms = memoryLoms();
    loms.clock.set("2030-05-06T07:08:09.000Z");
    const id = await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    const order = await orderInfo(loms.deps, id);
    expect(order.createdAt.toISOString()).toBe("2030-05-06T07:08:09.000Z");
    expect(order.updatedAt.toISOString()).toBe("2030-05-06T07:08:09.000Z");
  });
});
