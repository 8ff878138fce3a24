import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { OrderNotFoundError, OrderStatusError } from "../../src/domain/errors.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import {
  awaitingOrder,
  cancelledOrder,
  failedOrder,
  memoryLoms,
  paidOrder,
  someItems,
  stockRow,
} from "../support/loms.ts";
import { createNew } from "../support/orders.ts";
import { SpyOrderRepository } from "../support/wrappers.ts";

describe("orderPay", () => {
  test("awaiting payment → paid: total_count and reserved both fall by the units", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, someItems); // 1076963 ×2, 1148162 ×3
    loms.clock.advance(1000);
    await orderPay(loms.deps, id);

    const order = await orderInfo(loms.deps, id);
    expect(order.status).toBe(OrderStatus.Paid);
    expect(order.updatedAt).toEqual(loms.clock.now());
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 298, reserved: 35 });
    expect(stockRow(loms, 1148162n)).toEqual({ sku: 1148162n, totalCount: 297, reserved: 0 });
    expect(await loms.stocks.available(1076963n)).toBe(263);
    expect(await loms.stocks.reservationOf(id)).toBe("sold");
  });

  test("paying a paid order again is ok and changes nothing", async () => {
    const loms = memoryLoms();
    const id = await paidOrder(loms);
    const stock = loms.stocks.snapshot();
    const before = await orderInfo(loms.deps, id);
    loms.clock.advance(1000);

    await orderPay(loms.deps, id);
    await orderPay(loms.deps, id);

    expect(loms.stocks.snapshot()).toEqual(stock);
    expect(await orderInfo(loms.deps, id)).toEqual(before);
  });

  test("a failed order cannot be paid: OrderStatusError (failed_precondition), nothing changes", async () => {
    const loms = memoryLoms();
    const id = await failedOrder(loms);
    const err = await rejectionOf(orderPay(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).kind).toBe("failed_precondition");
    expect((err as OrderStatusError).status).toBe(OrderStatus.Failed);
    expect((err as Error).message).toBe(`order ${id} is failed: cannot pay it`);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Failed);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("a cancelled order cannot be paid: OrderStatusError (failed_precondition), nothing changes", async () => {
    const loms = memoryLoms();
    const id = await cancelledOrder(loms);
    const err = await rejectionOf(orderPay(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).kind).toBe("failed_precondition");
    expect((err as OrderStatusError).status).toBe(OrderStatus.Cancelled);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("an order still new cannot be paid", async () => {
    const loms = memoryLoms();
    const order = await createNew(loms.orders, 1n, someItems, loms.clock.now());
    const err = await rejectionOf(orderPay(loms.deps, order.id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.New);
    expect(await loms.stocks.reservationOf(order.id)).toBeUndefined();
  });

  test("an unknown order is OrderNotFoundError (not_found)", async () => {
    const loms = memoryLoms();
    const err = await rejectionOf(orderPay(loms.deps, 9223372036854775001n));
    expect(err).toBeInstanceOf(OrderNotFoundError);
    expect((err as OrderNotFoundError).kind).toBe("not_found");
    expect((err as Error).message).toContain("9223372036854775001");
  });

  test("a reservation released by a cancel that has not yet changed the status: pay loses (ends cancelled)", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    await loms.stocks.release(id); // a cancel half-way: stock freed, status not yet changed
    const err = await rejectionOf(orderPay(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.Cancelled);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.AwaitingPayment);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("units already sold by a concurrent payment are not sold twice; the status still becomes paid", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    expect(await loms.stocks.sell(id)).toBe("reserved"); // another payment half-way
    const stock = loms.stocks.snapshot();
    await orderPay(loms.deps, id);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Paid);
    expect(loms.stocks.snapshot()).toEqual(stock);
  });

  test("a status changed by someone else between sell and the status change is reported", async () => {
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          changeStatus: async (orderId, from, to, now) => {
            // Someone moves the order to cancelled meanwhile: the CAS from awaiting payment fails.
            if (to === OrderStatus.Paid)
              await inner.changeStatus(orderId, [OrderStatus.AwaitingPayment], OrderStatus.Cancelled, now);
            return inner.changeStatus(orderId, from, to, now);
          },
        }),
    });
    const id = await awaitingOrder(loms);
    const err = await rejectionOf(orderPay(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.Cancelled);
  });
});
