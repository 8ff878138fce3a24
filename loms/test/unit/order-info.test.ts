import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { OrderNotFoundError } from "../../src/domain/errors.ts";
import { type Order, OrderStatus } from "../../src/domain/order.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import type { OrderRepository } from "../../src/service/ports.ts";
import { memoryLoms } from "../support/loms.ts";

describe("orderInfo", () => {
  test("returns status, user and items sorted by sku whatever the request order", async () => {
    const loms = memoryLoms();
    const id = await orderCreate(loms.deps, 5n, [
      { sku: 139275865n, count: 1 },
      { sku: 2956315n, count: 2 },
      { sku: 1076963n, count: 3 },
      { sku: 2956315n, count: 4 },
    ]);
    const order = await orderInfo(loms.deps, id);
    expect(order.id).toBe(id);
    expect(order.status).toBe(OrderStatus.AwaitingPayment);
    expect(order.userId).toBe(5n);
    expect(order.items).toEqual([
      { sku: 1076963n, count: 3 },
      { sku: 2956315n, count: 6 },
      { sku: 139275865n, count: 1 },
    ]);
  });

  test("an unknown id is OrderNotFoundError (not_found)", async () => {
    const loms = memoryLoms();
    await orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 1 }]);
    const err = await rejectionOf(orderInfo(loms.deps, 2n));
    expect(err).toBeInstanceOf(OrderNotFoundError);
    expect((err as OrderNotFoundError).kind).toBe("not_found");
    expect((err as OrderNotFoundError).orderId).toBe(2n);
  });

  test.each([9223372036854775807n, 9223372036854775001n, 9223372036854775806n])(
    "id %p near int64 max is not_found with the exact id in the message",
    async (id) => {
      const loms = memoryLoms();
      const err = await rejectionOf(orderInfo(loms.deps, id));
      expect(err).toBeInstanceOf(OrderNotFoundError);
      expect((err as OrderNotFoundError).orderId).toBe(id);
      expect((err as Error).message).toBe(`order ${id} not found`);
    },
  );

  test("an order whose id is near int64 max is found by exactly that id, not a rounded one", async () => {
    const big = 9223372036854775807n;
    const order: Order = {
      id: big,
      userId: big - 1n,
      status: OrderStatus.Paid,
      items: [{ sku: 1076963n, count: 1 }],
      createdAt: new Date(0),
      updatedAt: new Date(0),
      version: 0,
    };
    const orders: OrderRepository = {
      newId: async () => big,
      create: async () => {},
      existing: async (ids) => new Set(ids.filter((id) => id === big)),
      get: async (id) => (id === big ? order : undefined),
      changeStatus: async () => undefined,
      claimStale: async () => [],
      markVerified: async () => {},
      unverify: async () => {},
      paymentApplied: async () => false,
    };
    expect(await orderInfo({ orders }, big)).toEqual(order);
    // 2^63 - 1 and its neighbours round to the same double: they must not be confused.
    expect(Number(big)).toBe(Number(big - 1n));
    await expect(orderInfo({ orders }, big - 1n)).rejects.toBeInstanceOf(OrderNotFoundError);
  });
});
