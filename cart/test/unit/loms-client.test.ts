import { describe, expect, test } from "bun:test";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { type OrderCreateRequest, OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { LomsClient } from "../../src/adapters/loms/loms-client.ts";
import { expectDownstreamFailure } from "../support/async.ts";
import { aLine, aSignal, BOOK, COOK, USER } from "../support/builders.ts";

/**
 * loms.v1 faked in memory: stock per sku (NotFound for the others), and orders that are accepted
 * with the next id, or answered with `orderFailure` when one is set. Requests are recorded.
 */
function fakeLoms() {
  const stock = new Map<bigint, number>([[BOOK.sku, 7]]);
  const orders: OrderCreateRequest[] = [];
  const state = {
    stockFailure: undefined as ConnectError | undefined,
    orderFailure: undefined as ConnectError | undefined,
    gate: undefined as Promise<void> | undefined,
    nextOrderId: 100n,
  };
  const transport = createRouterTransport(({ service }) => {
    service(StockService, {
      async stocksInfo(req) {
        if (state.stockFailure) throw state.stockFailure;
        const count = stock.get(req.sku);
        if (count === undefined) throw new ConnectError("sku not stocked", Code.NotFound);
        return { count };
      },
    });
    service(OrderService, {
      async orderCreate(req) {
        orders.push(req);
        if (state.gate) await state.gate;
        if (state.orderFailure) throw state.orderFailure;
        return { orderId: state.nextOrderId++ };
      },
    });
  });
  return { client: new LomsClient(transport), orders, state };
}

describe("LomsClient.available", () => {
  test("the count LOMS answers", async () => {
    const loms = fakeLoms();
    expect(await loms.client.available(BOOK.sku, aSignal())).toBe(7);
  });

  test("NotFound (a sku LOMS does not stock) is 0", async () => {
    const loms = fakeLoms();
    expect(await loms.client.available(COOK.sku, aSignal())).toBe(0);
  });

  test("other errors propagate as a LOMS failure naming the code", async () => {
    const loms = fakeLoms();
    loms.state.stockFailure = new ConnectError("db down", Code.Internal);
    expectDownstreamFailure(
      await rejectionOf(loms.client.available(BOOK.sku, aSignal())),
      "loms",
      Code.Internal,
    );
    loms.state.stockFailure = new ConnectError("restarting", Code.Unavailable);
    expectDownstreamFailure(
      await rejectionOf(loms.client.available(BOOK.sku, aSignal())),
      "loms",
      Code.Unavailable,
    );
  });
});

describe("LomsClient.create", () => {
  test("success: ok with the order id; the user and lines reach LOMS", async () => {
    const loms = fakeLoms();
    const outcome = await loms.client.create(USER, [aLine(BOOK.sku, 3), aLine(COOK.sku, 1)], aSignal());
    expect(outcome).toEqual({ ok: true, orderId: 100n });
    expect(loms.orders).toHaveLength(1);
    expect(loms.orders[0]?.userId).toBe(USER);
    expect(loms.orders[0]?.items.map((i) => ({ sku: i.sku, count: i.count }))).toEqual([
      aLine(BOOK.sku, 3),
      aLine(COOK.sku, 1),
    ]);
  });

  test("FailedPrecondition: not ok, with LOMS's message as the reason", async () => {
    const loms = fakeLoms();
    loms.state.orderFailure = new ConnectError("not enough stock of sku 1076963", Code.FailedPrecondition);
    expect(await loms.client.create(USER, [aLine(BOOK.sku, 300)], aSignal())).toEqual({
      ok: false,
      reason: "not enough stock of sku 1076963",
    });
  });

  test("other errors propagate as a LOMS failure naming the code", async () => {
    const loms = fakeLoms();
    loms.state.orderFailure = new ConnectError("bad user", Code.InvalidArgument);
    expectDownstreamFailure(
      await rejectionOf(loms.client.create(USER, [aLine(BOOK.sku, 1)], aSignal())),
      "loms",
      Code.InvalidArgument,
    );
  });

  test("the caller's signal cancels the call with Canceled", async () => {
    const loms = fakeLoms();
    const gate = Promise.withResolvers<void>();
    loms.state.gate = gate.promise;
    const caller = new AbortController();
    const creating = loms.client.create(USER, [aLine(BOOK.sku, 1)], caller.signal);
    await until(() => loms.orders.length === 1);
    caller.abort();
    expect((await rejectionOf(creating, ConnectError)).code).toBe(Code.Canceled);
    gate.resolve();
  });
});
