import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { OrderNotFoundError, OrderStatusError } from "../../src/domain/errors.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderInfo } from "../../src/service/order-info.ts";
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

describe("orderCancel", () => {
  test("awaiting payment → cancelled: reserved falls by the units, total_count unchanged", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, someItems); // 1076963 ×2, 1148162 ×3
    expect(stockRow(loms, 1076963n).reserved).toBe(37);
    loms.clock.advance(1000);

    await orderCancel(loms.deps, id);

    const order = await orderInfo(loms.deps, id);
    expect(order.status).toBe(OrderStatus.Cancelled);
    expect(order.updatedAt).toEqual(loms.clock.now());
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 300, reserved: 35 });
    expect(stockRow(loms, 1148162n)).toEqual({ sku: 1148162n, totalCount: 300, reserved: 0 });
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    expect(await loms.stocks.reservationOf(id)).toBe("released");
  });

  test("cancelling a cancelled order again is ok and changes nothing", async () => {
    const loms = memoryLoms();
    const other = await awaitingOrder(loms); // keeps some stock reserved, so a double release would show
    const id = await cancelledOrder(loms);
    const stock = loms.stocks.snapshot();
    const before = await orderInfo(loms.deps, id);
    loms.clock.advance(1000);

    await orderCancel(loms.deps, id);
    await orderCancel(loms.deps, id);

    expect(loms.stocks.snapshot()).toEqual(stock);
    expect(await orderInfo(loms.deps, id)).toEqual(before);
    expect((await orderInfo(loms.deps, other)).status).toBe(OrderStatus.AwaitingPayment);
  });

  test("a paid order cannot be cancelled: OrderStatusError (failed_precondition), nothing changes", async () => {
    const loms = memoryLoms();
    const id = await paidOrder(loms);
    const stock = loms.stocks.snapshot();
    const err = await rejectionOf(orderCancel(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).kind).toBe("failed_precondition");
    expect((err as OrderStatusError).status).toBe(OrderStatus.Paid);
    expect((err as Error).message).toBe(`order ${id} is paid: cannot cancel it`);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Paid);
    expect(loms.stocks.snapshot()).toEqual(stock);
  });

  test("a failed order cannot be cancelled: OrderStatusError (failed_precondition), nothing changes", async () => {
    const loms = memoryLoms();
    const id = await failedOrder(loms);
    const err = await rejectionOf(orderCancel(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).kind).toBe("failed_precondition");
    expect((err as OrderStatusError).status).toBe(OrderStatus.Failed);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Failed);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    // A rejected cancel leaves no release record behind.
    expect(await loms.stocks.reservationOf(id)).toBeUndefined();
  });

  test("an order still new cannot be cancelled", async () => {
    const loms = memoryLoms();
    const order = await createNew(loms.orders, 1n, someItems, loms.clock.now());
    const err = await rejectionOf(orderCancel(loms.deps, order.id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.New);
    expect(await loms.stocks.reservationOf(order.id)).toBeUndefined();
  });

  test("an unknown order is OrderNotFoundError (not_found)", async () => {
    const loms = memoryLoms();
    const err = await rejectionOf(orderCancel(loms.deps, 9223372036854775807n));
    expect(err).toBeInstanceOf(OrderNotFoundError);
    expect((err as OrderNotFoundError).kind).toBe("not_found");
    expect((err as Error).message).toContain("9223372036854775807");
  });

  test("units sold by a payment that has not yet changed the status: cancel loses (ends paid)", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    await loms.stocks.sell(id); // a payment half-way
    const stock = loms.stocks.snapshot();
    const err = await rejectionOf(orderCancel(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.Paid);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.AwaitingPayment);
    expect(loms.stocks.snapshot()).toEqual(stock);
  });

  test("stock already released by a concurrent cancel is not released twice; the status still becomes cancelled", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms);
    await loms.stocks.release(id); // another cancel half-way
    await orderCancel(loms.deps, id);
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("a status changed by someone else between release and the status change is reported", async () => {
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          changeStatus: async (orderId, from, to, now) => {
            if (to === OrderStatus.Cancelled)
              await inner.changeStatus(orderId, [OrderStatus.AwaitingPayment], OrderStatus.Paid, now);
            return inner.changeStatus(orderId, from, to, now);
          },
        }),
    });
    const id = await awaitingOrder(loms);
    const err = await rejectionOf(orderCancel(loms.deps, id));
    expect(err).toBeInstanceOf(OrderStatusError);
    expect((err as OrderStatusError).status).toBe(OrderStatus.Paid);
  });
});
