import { describe, expect, test } from "bun:test";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import {
  awaitingOrder,
  cancelledOrder,
  expectedStock,
  failedOrder,
  idsUpTo,
  memoryLoms,
  paidOrder,
  readOrders,
  stockRow,
} from "../support/loms.ts";
import { SpyOrderRepository } from "../support/wrappers.ts";

const MINUTE = 60_000;
const TTL = 10 * MINUTE;

describe("expireOrders", () => {
  test("cancels orders awaiting payment longer than the ttl and returns their stock", async () => {
    const loms = memoryLoms();
    const stale = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
    loms.clock.advance(TTL + 1);

    expect(stockRow(loms, 1076963n).reserved).toBe(39);
    expect(await expireOrders(loms.deps, TTL)).toBe(1);

    const order = await orderInfo(loms.deps, stale);
    expect(order.status).toBe(OrderStatus.Cancelled);
    expect(order.updatedAt).toEqual(loms.clock.now());
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("leaves younger orders, paid, cancelled and failed ones untouched", async () => {
    const loms = memoryLoms();
    const stale = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    const paid = await paidOrder(loms, [{ sku: 1148162n, count: 2 }]);
    const cancelled = await cancelledOrder(loms, [{ sku: 1148162n, count: 3 }]);
    const failed = await failedOrder(loms);
    loms.clock.advance(5 * MINUTE);
    const young = await awaitingOrder(loms, [{ sku: 2956315n, count: 5 }]);
    loms.clock.advance(5 * MINUTE + 1);

    expect(await expireOrders(loms.deps, TTL)).toBe(1);

    const statuses = (await readOrders(loms.deps, [stale, paid, cancelled, failed, young])).map(
      (o) => o.status,
    );
    expect(statuses).toEqual([
      OrderStatus.Cancelled,
      OrderStatus.Paid,
      OrderStatus.Cancelled,
      OrderStatus.Failed,
      OrderStatus.AwaitingPayment,
    ]);
    expect(loms.stocks.snapshot()).toEqual(
      expectedStock(STOCK_FIXTURE, await readOrders(loms.deps, idsUpTo(5))),
    );
    expect(stockRow(loms, 2956315n).reserved).toBe(35);
    expect(stockRow(loms, 1148162n)).toEqual({ sku: 1148162n, totalCount: 298, reserved: 0 });
  });

  test("an order exactly ttl old is not expired yet; one millisecond later it is", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(TTL);
    expect(await expireOrders(loms.deps, TTL)).toBe(0);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.AwaitingPayment);
    loms.clock.advance(1);
    expect(await expireOrders(loms.deps, TTL)).toBe(1);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
  });

  test("age counts from when the order started awaiting payment", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(TTL - 1);
    expect(await expireOrders(loms.deps, TTL)).toBe(0);
    loms.clock.advance(2);
    expect(await expireOrders(loms.deps, TTL)).toBe(1);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
  });

  test("nothing to do: returns 0 after one look", async () => {
    const spy: { repo?: SpyOrderRepository } = {};
    const loms = memoryLoms({ wrapOrders: (inner) => (spy.repo = new SpyOrderRepository(inner)) });
    await awaitingOrder(loms);
    expect(await expireOrders(loms.deps, TTL)).toBe(0);
    expect(spy.repo?.calls.listStale).toBe(1);
  });

  test.each([
    [7, 2, 4],
    [6, 2, 4],
    [5, 1, 6],
    [3, 100, 1],
  ])("%p stale orders with batch %p: all cancelled in %p looks", async (stale, batch, looks) => {
    const spy: { repo?: SpyOrderRepository } = {};
    const loms = memoryLoms({ wrapOrders: (inner) => (spy.repo = new SpyOrderRepository(inner)) });
    for (let i = 0; i < stale; i++) {
      await awaitingOrder(loms, [{ sku: 1625903n, count: i + 1 }]);
      loms.clock.advance(1);
    }
    loms.clock.advance(TTL + 1);

    expect(await expireOrders(loms.deps, TTL, batch)).toBe(stale);

    const orders = await readOrders(loms.deps, idsUpTo(stale));
    expect(orders.every((o) => o.status === OrderStatus.Cancelled)).toBe(true);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    expect(spy.repo?.calls.listStale).toBe(looks);
  });

  test("an order paid between listing and cancelling is skipped and stays paid", async () => {
    let payFirst = true;
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          listStale: async (status, before, limit) => {
            const stale = await inner.listStale(status, before, limit);
            if (payFirst && stale[0]) {
              payFirst = false;
              // The customer pays right after the expiry job listed the order.
              await orderPay({ ...loms.deps, orders: inner }, stale[0].id);
            }
            return stale;
          },
        }),
    });
    const paidMeanwhile = await awaitingOrder(loms, [{ sku: 1076963n, count: 3 }]);
    const expired = await awaitingOrder(loms, [{ sku: 1148162n, count: 4 }]);
    loms.clock.advance(TTL + 1);

    expect(await expireOrders(loms.deps, TTL)).toBe(1);

    expect((await orderInfo(loms.deps, paidMeanwhile)).status).toBe(OrderStatus.Paid);
    expect((await orderInfo(loms.deps, expired)).status).toBe(OrderStatus.Cancelled);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 297, reserved: 35 });
    expect(stockRow(loms, 1148162n)).toEqual({ sku: 1148162n, totalCount: 300, reserved: 0 });
  });

  test("an order whose units a payment already sold (status not yet paid) is skipped, not released", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 3 }]);
    await loms.stocks.sell(id); // a payment half-way
    loms.clock.advance(TTL + 1);

    expect(await expireOrders(loms.deps, TTL)).toBe(0);

    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.AwaitingPayment);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 297, reserved: 35 });
  });

  test("an order cancelled by its user between listing and cancelling ends cancelled, stock released once", async () => {
    let cancelFirst = true;
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          listStale: async (status, before, limit) => {
            const stale = await inner.listStale(status, before, limit);
            if (cancelFirst && stale[0]) {
              cancelFirst = false;
              await orderCancel({ ...loms.deps, orders: inner }, stale[0].id);
            }
            return stale;
          },
        }),
    });
    const cancelledByUser = await awaitingOrder(loms, [{ sku: 1076963n, count: 3 }]);
    loms.clock.advance(1);
    const expired = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    loms.clock.advance(TTL + 1);

    await expireOrders(loms.deps, TTL);

    expect((await orderInfo(loms.deps, cancelledByUser)).status).toBe(OrderStatus.Cancelled);
    expect((await orderInfo(loms.deps, expired)).status).toBe(OrderStatus.Cancelled);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  // BUG (reported): expireOrders stops a run as soon as one whole batch made no progress, so `batch`
  // orders that cannot be cancelled (sold by a payment that never reached the status change, e.g. a
  // crash between sell and changeStatus) at the head of the list block every younger stale order from
  // ever expiring. Marked failing until loms/src/service/expire-orders.ts is fixed.
  test("stuck orders at the head of the list do not keep younger stale orders from expiring", async () => {
    const loms = memoryLoms();
    const stuck = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    await loms.stocks.sell(stuck); // sold, status never moved to paid
    loms.clock.advance(1);
    const stale = await awaitingOrder(loms, [{ sku: 1148162n, count: 1 }]);
    loms.clock.advance(TTL + 1);

    await expireOrders(loms.deps, TTL, 1);
    await expireOrders(loms.deps, TTL, 1);

    expect((await orderInfo(loms.deps, stale)).status).toBe(OrderStatus.Cancelled);
  });

  test("uses the ttl relative to the injected clock, not wall time", async () => {
    const loms = memoryLoms();
    loms.clock.set("1999-12-31T23:00:00.000Z");
    const id = await awaitingOrder(loms);
    loms.clock.set("1999-12-31T23:59:59.999Z");
    expect(await expireOrders(loms.deps, 59 * MINUTE)).toBe(1);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
  });
});

describe("expireOrders reports and errors", () => {
  test("counts only the orders this run cancelled, not ones a user cancelled meanwhile", async () => {
    const loms = memoryLoms();
    const first = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    const second = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    loms.clock.advance(TTL + 1);
    const listed = await loms.deps.orders.listStale(OrderStatus.AwaitingPayment, loms.clock.now(), 10);
    expect(listed.map((o) => o.id)).toEqual([first, second]);
    // The user cancels `first` after the job listed it: the job must not count it.
    const deps = {
      ...loms.deps,
      orders: {
        ...loms.deps.orders,
        get: loms.deps.orders.get.bind(loms.deps.orders),
        changeStatus: loms.deps.orders.changeStatus.bind(loms.deps.orders),
        create: loms.deps.orders.create.bind(loms.deps.orders),
        listStale: async () => {
          await orderCancel(loms.deps, first);
          return listed;
        },
      },
    };
    expect(await expireOrders(deps, TTL)).toBe(1);
    expect((await orderInfo(loms.deps, second)).status).toBe(OrderStatus.Cancelled);
  });

  test("an infrastructure failure is not swallowed: the run fails and the job can log it", async () => {
    const loms = memoryLoms();
    await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    loms.clock.advance(TTL + 1);
    const broken = {
      ...loms.deps,
      stocks: { ...loms.deps.stocks, release: async () => Promise.reject(new Error("db down")) },
    };
    await expect(expireOrders(broken as typeof loms.deps, TTL)).rejects.toThrow("db down");
  });
});
