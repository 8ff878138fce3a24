import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createLogger, createRpcMetrics, type RunningServer, serveOnePort } from "@route256/platform";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { MemoryCartRepository } from "../../src/adapters/memory/memory-carts.ts";
import { cartSurface } from "../../src/app.ts";
import type { CartDeps } from "../../src/service/ports.ts";
import { aLine, BOOK, COOK, TALES } from "../support/builders.ts";
import { FakeOrderService, FakeProductCatalog, FakeStockService } from "../support/fakes.ts";

/**
 * The REST contract of SPEC.md (Cart) and cart.v1 over a real port: cart's transports served by
 * serveOnePort with app.ts's surface, with the downstream services faked in memory.
 */
const MAX_INT64 = 9223372036854775807n;
let server: RunningServer;
let carts: MemoryCartRepository;
let products: FakeProductCatalog;
let stocks: FakeStockService;
let orders: FakeOrderService;

beforeAll(async () => {
  const deps: CartDeps = {
    get carts() {
      return carts;
    },
    get products() {
      return products;
    },
    get stocks() {
      return stocks;
    },
    get orders() {
      return orders;
    },
    listConcurrency: 4,
  };
  server = await serveOnePort({
    config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
    logger: createLogger("test", "silent"),
    metrics: createRpcMetrics("cart"),
    ...cartSurface(deps),
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  carts = new MemoryCartRepository();
  products = new FakeProductCatalog([BOOK, COOK, TALES]);
  stocks = new FakeStockService().set(BOOK.sku, 10).set(COOK.sku, 10).set(TALES.sku, 10);
  orders = new FakeOrderService();
});

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

const add = (user: string, sku: string, count: unknown, headers?: Record<string, string>) =>
  call("POST", `/user/${user}/cart/${sku}`, JSON.stringify({ count }), headers);

async function expectError(res: Response, status: number) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { message?: unknown };
  expect(Object.keys(body)).toEqual(["message"]);
  expect(typeof body.message).toBe("string");
  return body.message as string;
}

describe("cart REST contract", () => {
  test("POST adds: 200 {}; counts of the same sku add up", async () => {
    const res = await add("42", String(BOOK.sku), 2);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    await add("42", String(BOOK.sku), 3);
    expect(await carts.get(42n)).toEqual([aLine(BOOK.sku, 5)]);
  });

  test("POST: 412 for an unknown sku and for a count above LOMS stock; the cart is unchanged", async () => {
    expect(await expectError(await add("42", "404", 1), 412)).toContain("404");
    await add("42", String(BOOK.sku), 8);
    await expectError(await add("42", String(BOOK.sku), 3), 412);
    expect(await carts.get(42n)).toEqual([aLine(BOOK.sku, 8)]);
  });

  test.each([
    ["count 0", "42", "1076963", JSON.stringify({ count: 0 })],
    ["negative count", "42", "1076963", JSON.stringify({ count: -1 })],
    ["fractional count", "42", "1076963", JSON.stringify({ count: 1.5 })],
    ["count as a string", "42", "1076963", JSON.stringify({ count: "1" })],
    ["bad JSON", "42", "1076963", "{count:"],
    ["user 0", "0", "1076963", JSON.stringify({ count: 1 })],
    ["user not a number", "abc", "1076963", JSON.stringify({ count: 1 })],
    ["sku 0", "42", "0", JSON.stringify({ count: 1 })],
  ])("POST: 400 for %s", async (_, user, sku, body) => {
    await expectError(await call("POST", `/user/${user}/cart/${sku}`, body), 400);
    expect(products.calls).toHaveLength(0);
  });

  test("the caller's X-API-KEY reaches products", async () => {
    await add("42", String(BOOK.sku), 1, { "x-api-key": "user-token" });
    expect(products.calls.map((c) => c.token)).toEqual(["user-token"]);
  });

  test("DELETE of an item and of the cart: 204, also when absent", async () => {
    await add("42", String(BOOK.sku), 1);
    await add("42", String(COOK.sku), 1);
    expect((await call("DELETE", `/user/42/cart/${BOOK.sku}`)).status).toBe(204);
    expect((await call("DELETE", `/user/42/cart/${BOOK.sku}`)).status).toBe(204);
    expect(await carts.get(42n)).toEqual([aLine(COOK.sku, 1)]);
    expect((await call("DELETE", "/user/42/cart")).status).toBe(204);
    expect((await call("DELETE", "/user/42/cart")).status).toBe(204);
    expect(await carts.get(42n)).toEqual([]);
    await expectError(await call("DELETE", "/user/x/cart"), 400);
  });

  test("GET: 404 when empty; else items sorted by sku with plain JSON numbers and total_price", async () => {
    await expectError(await call("GET", "/user/42/cart"), 404);
    await add("42", String(TALES.sku), 2);
    await add("42", String(BOOK.sku), 1);

    const res = await call("GET", "/user/42/cart");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`"sku":${BOOK.sku}`);
    expect(JSON.parse(text)).toEqual({
      items: [
        { sku: Number(BOOK.sku), name: BOOK.name, count: 1, price: BOOK.price },
        { sku: Number(TALES.sku), name: TALES.name, count: 2, price: TALES.price },
      ],
      total_price: BOOK.price + 2 * TALES.price,
    });
  });

  test("checkout: 200 {order_id} exact beyond 2^53, and the cart is cleared", async () => {
    orders = new FakeOrderService(MAX_INT64);
    await add("42", String(BOOK.sku), 2);
    const res = await call("POST", "/checkout/42");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{"order_id":${MAX_INT64}}`);
    expect(orders.calls[0]?.lines).toEqual([aLine(BOOK.sku, 2)]);
    await expectError(await call("GET", "/user/42/cart"), 404);
  });

  test("checkout: 404 for an empty cart; 412 when LOMS cannot reserve, and the cart is kept", async () => {
    await expectError(await call("POST", "/checkout/42"), 404);
    await add("42", String(BOOK.sku), 2);
    orders.reject("not enough stock");
    expect(await expectError(await call("POST", "/checkout/42"), 412)).toContain("not enough stock");
    expect(await carts.get(42n)).toEqual([aLine(BOOK.sku, 2)]);
  });

  test("a products outage is 5xx, never a false 412", async () => {
    products.failWith(BOOK.sku, new Error("products down"));
    const res = await add("42", String(BOOK.sku), 1);
    expect(res.status).toBeGreaterThanOrEqual(500);
  });
});

describe("cart.v1.CartService over Connect", () => {
  test("add, list and checkout with the caller's x-api-key", async () => {
    const client = createClient(CartService, createConnectTransport({ baseUrl: server.url }));
    const headers = { "x-api-key": "user-token" };
    await client.addItem({ userId: 7n, sku: COOK.sku, count: 2 }, { headers });
    await client.addItem({ userId: 7n, sku: BOOK.sku, count: 1 }, { headers });
    const list = await client.listCart({ userId: 7n }, { headers });
    expect(list.items.map((i) => [i.sku, i.name, i.count, i.price])).toEqual([
      [BOOK.sku, BOOK.name, 1, BOOK.price],
      [COOK.sku, COOK.name, 2, COOK.price],
    ]);
    expect(list.totalPrice).toBe(BOOK.price + 2 * COOK.price);
    expect((await client.checkout({ userId: 7n }, { headers })).orderId).toBe(1n);
    expect(products.calls.every((c) => c.token === "user-token")).toBe(true);
    expect(orders.calls[0]?.token).toBe("user-token");
    await client.deleteItem({ userId: 7n, sku: BOOK.sku });
    await client.clearCart({ userId: 7n });
    expect(await carts.get(7n)).toEqual([]);
  });
});
