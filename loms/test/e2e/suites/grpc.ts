// Every row of SPEC.md's LOMS table over native gRPC (h2c) with the generated clients, against a
// running LOMS, plus the SPEC's concurrency promises.
import { beforeAll, describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";

export function grpcSuite(lomsUrl: () => string) {
  let orders: ReturnType<typeof createClient<typeof OrderService>>;
  let stocks: ReturnType<typeof createClient<typeof StockService>>;

  beforeAll(() => {
    const transport = createGrpcTransport({ baseUrl: lomsUrl() });
    orders = createClient(OrderService, transport);
    stocks = createClient(StockService, transport);
  });

  async function codeOf(call: Promise<unknown>): Promise<Code> {
    try {
      await call;
    } catch (err) {
      return ConnectError.from(err).code;
    }
    throw new Error("expected the call to fail");
  }
  const available = async (sku: bigint) => (await stocks.stocksInfo({ sku })).count;

  describe("LOMS over gRPC", () => {
    test("create → info → pay (twice) sells the units once", async () => {
      const before = await available(2958025n);
      const { orderId } = await orders.orderCreate({ userId: 1n, items: [{ sku: 2958025n, count: 4 }] });
      expect(await available(2958025n)).toBe(before - 4);
      const order = await orders.orderInfo({ orderId });
      expect(order.status).toBe("awaiting payment");
      expect(order.items).toMatchObject([{ sku: 2958025n, count: 4 }]);
      await orders.orderPay({ orderId });
      await orders.orderPay({ orderId });
      expect((await orders.orderInfo({ orderId })).status).toBe("paid");
      expect(await available(2958025n)).toBe(before - 4);
      expect(await codeOf(orders.orderCancel({ orderId }))).toBe(Code.FailedPrecondition);
    });

    test("create → cancel (twice) returns the units", async () => {
      const before = await available(3596599n);
      const { orderId } = await orders.orderCreate({ userId: 2n, items: [{ sku: 3596599n, count: 2 }] });
      await orders.orderCancel({ orderId });
      await orders.orderCancel({ orderId });
      expect(await available(3596599n)).toBe(before);
      expect(await codeOf(orders.orderPay({ orderId }))).toBe(Code.FailedPrecondition);
    });

    test("short stock and unknown sku → failed_precondition; bad input → invalid_argument", async () => {
      expect(await codeOf(orders.orderCreate({ userId: 1n, items: [{ sku: 139819069n, count: 1 }] }))).toBe(
        Code.FailedPrecondition,
      );
      expect(await codeOf(orders.orderCreate({ userId: 1n, items: [{ sku: 404n, count: 1 }] }))).toBe(
        Code.FailedPrecondition,
      );
      expect(await codeOf(orders.orderCreate({ userId: 0n, items: [{ sku: 1n, count: 1 }] }))).toBe(
        Code.InvalidArgument,
      );
      expect(await codeOf(orders.orderCreate({ userId: 1n, items: [] }))).toBe(Code.InvalidArgument);
      expect(await codeOf(orders.orderInfo({ orderId: 0n }))).toBe(Code.InvalidArgument);
      expect(await codeOf(stocks.stocksInfo({ sku: -5n }))).toBe(Code.InvalidArgument);
    });

    test("unknown ids → not_found, also at the top of int64", async () => {
      for (const orderId of [9223372036854775001n, 9223372036854775807n]) {
        expect(await codeOf(orders.orderInfo({ orderId }))).toBe(Code.NotFound);
        expect(await codeOf(orders.orderPay({ orderId }))).toBe(Code.NotFound);
        expect(await codeOf(orders.orderCancel({ orderId }))).toBe(Code.NotFound);
      }
      expect(await codeOf(stocks.stocksInfo({ sku: 404n }))).toBe(Code.NotFound);
    });

    test("100 concurrent creates of 1 unit lower the stock by exactly 100", async () => {
      const before = await available(139275865n);
      const ids = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          orders.orderCreate({ userId: BigInt(i + 1), items: [{ sku: 139275865n, count: 1 }] }),
        ),
      );
      expect(new Set(ids.map((r) => r.orderId)).size).toBe(100);
      expect(await available(139275865n)).toBe(before - 100);
    });

    test("10 concurrent pays of one order all succeed and sell once", async () => {
      const before = await available(135937324n);
      const { orderId } = await orders.orderCreate({ userId: 3n, items: [{ sku: 135937324n, count: 2 }] });
      await Promise.all(Array.from({ length: 10 }, () => orders.orderPay({ orderId })));
      expect((await orders.orderInfo({ orderId })).status).toBe("paid");
      expect(await available(135937324n)).toBe(before - 2);
    });
  });
}
