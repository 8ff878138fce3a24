// cart.v1.CartService over gRPC, and cancellation: a client that goes away cancels cart's calls
// to products. products answers slowly here (600 ms), as in the course's load profile.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { eventually } from "@route256/testkit/helpers";
import { type Stack, startStack } from "./stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ products: { PRODUCTS_LATENCY_MS: "600" } });
});
afterAll(async () => {
  expect(await stack.stop()).toEqual([0, 0, 0]);
});

describe("cart.v1.CartService over gRPC", () => {
  test("add → list → checkout, and the contract's error codes", async () => {
    const cart = createClient(CartService, createGrpcTransport({ baseUrl: stack.cart.url }));
    const userId = 77n;
    await cart.addItem({ userId, sku: 1076963n, count: 2 });
    await cart.addItem({ userId, sku: 1148162n, count: 1 });
    const view = await cart.listCart({ userId });
    expect(view.items.map((i) => [i.sku, i.count, i.price])).toEqual([
      [1076963n, 2, 3379],
      [1148162n, 1, 2931],
    ]);
    expect(view.totalPrice).toBe(2 * 3379 + 2931);
    const { orderId } = await cart.checkout({ userId });
    expect(orderId).toBeGreaterThan(0n);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => Code.Unknown,
        (e) => ConnectError.from(e).code,
      );
    expect(await codeOf(cart.listCart({ userId }))).toBe(Code.NotFound);
    expect(await codeOf(cart.addItem({ userId, sku: 404n, count: 1 }))).toBe(Code.FailedPrecondition);
    expect(await codeOf(cart.addItem({ userId: 0n, sku: 1n, count: 1 }))).toBe(Code.InvalidArgument);
    await cart.deleteItem({ userId, sku: 1n });
    await cart.clearCart({ userId });
  });
});

describe("cancellation", () => {
  test("a client that disconnects cancels cart's in-flight call to products", async () => {
    const canceledBefore = await canceledAtProducts();
    // Adding 2958025 needs products to answer (600 ms); the client leaves after 150 ms. The sku is
    // not looked up anywhere else in this file, so no cache hit can hide the call.
    await fetch(`${stack.cart.url}/user/78/cart/2958025`, {
      method: "POST",
      body: '{"count":1}',
      signal: AbortSignal.timeout(150),
    }).catch(() => undefined);
    // products saw its caller (cart) cancel the RPC, rather than answering it 600 ms later.
    await eventually(
      "products counts a canceled call",
      async () => (await canceledAtProducts()) > canceledBefore,
    );
    expect(await canceledAtProducts()).toBe(canceledBefore + 1);
    const cartLog = stack.cart.output();
    expect(cartLog).toContain('"path":"/user/78/cart/2958025","status":499');
    expect(cartLog).not.toContain("unexpected error");
  });
});

/** GetProduct calls products counted as cancelled by their caller (its /metrics). */
async function canceledAtProducts(): Promise<number> {
  const text = await (await fetch(`${stack.products.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (l) => l.startsWith("rpc_server_requests_total") && l.includes('method="GetProduct",code="canceled"'),
    );
  return line ? Number(line.split(" ").pop()) : 0;
}
