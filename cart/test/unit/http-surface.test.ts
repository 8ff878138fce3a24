import { beforeEach, describe, expect, test } from "bun:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createLogger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { onePortInProcess } from "@route256/platform/server/one-port";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { connectErrorOf } from "@route256/testkit/helpers";
import { MemoryCartRepository } from "../../src/adapters/memory/memory-carts.ts";
import { cartSurface } from "../../src/app.ts";
import type { CartDeps } from "../../src/service/ports.ts";
import { aLine, BOOK, COOK, TALES } from "../support/builders.ts";
import { FakeOrderService, FakeProductCatalog, FakeStockService } from "../support/fakes.ts";

/**
 * Cart's whole HTTP surface in process — the REST contract of SPEC.md (Cart) and cart.v1 over
 * Connect — called without a socket (onePortInProcess: the handlers the HTTP/1.1 server runs) with
 * app.ts's surface and the downstream services faked in memory.
 */
const MAX_INT64 = 9223372036854775807n;
let carts: MemoryCartRepository;
let products: FakeProductCatalog;
let stocks: FakeStockService;
let orders: FakeOrderService;

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
const handle = onePortInProcess({
  config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
  logger: createLogger("test", "silent"),
  metrics: createRpcMetrics("cart"),
  ...cartSurface(deps),
});
const BASE = "http://cart.test";

beforeEach(() => {
  carts = new MemoryCartRepository();
  products = new FakeProductCatalog([BOOK, COOK, TALES]);
  stocks = new FakeStockService().set(BOOK.sku, 10).set(COOK.sku, 10).set(TALES.sku, 10);
  orders = new FakeOrderService();
});

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return handle(
    new Request(`${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body }),
    }),
  );
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
    ["count 0", "42", "1076963", JSON.stringify({ count: 0 }), "count"],
    ["negative count", "42", "1076963", JSON.stringify({ count: -1 }), "count"],
    ["fractional count", "42", "1076963", JSON.stringify({ count: 1.5 }), "count"],
    ["count as a string", "42", "1076963", JSON.stringify({ count: "1" }), "count"],
    ["an unknown body key", "42", "1076963", JSON.stringify({ count: 1, bogus: 1 }), "bogus"],
    ["bad JSON", "42", "1076963", "{count:", "JSON"],
    ["user 0", "0", "1076963", JSON.stringify({ count: 1 }), "user_id"],
    ["user not a number", "abc", "1076963", JSON.stringify({ count: 1 }), "user_id"],
    ["sku 0", "42", "0", JSON.stringify({ count: 1 }), "sku"],
  ])("POST: 400 for %s, naming what is wrong; nothing changes", async (_, user, sku, body, named) => {
    expect(await expectError(await call("POST", `/user/${user}/cart/${sku}`, body), 400)).toContain(named);
    expect(products.calls).toHaveLength(0);
    expect(await carts.get(42n)).toEqual([]);
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
  // Connect's own client, its fetch going to the service in process.
  const inProcessFetch = (input: RequestInfo | URL, init?: RequestInit) => handle(new Request(input, init));
  const client = createClient(
    CartService,
    createConnectTransport({ baseUrl: BASE, fetch: inProcessFetch as typeof fetch }),
  );

  test("add, list and checkout with the caller's x-api-key", async () => {
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

describe("Connect JSON on the wire", () => {
  const rpc = (method: string, body: unknown) =>
    call("POST", `/cart.v1.CartService/${method}`, JSON.stringify(body));

  test("int64 ids as JSON strings; the answer is the proto's JSON form", async () => {
    expect((await rpc("AddItem", { userId: "42", sku: String(BOOK.sku), count: 2 })).status).toBe(200);
    const res = await rpc("ListCart", { userId: "42" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [{ sku: String(BOOK.sku), name: BOOK.name, count: 2, price: BOOK.price }],
      totalPrice: 2 * BOOK.price,
    });
  });

  test.each([
    ["count 0", { userId: "42", sku: String(BOOK.sku), count: 0 }, "count"],
    ["user 0", { userId: "0", sku: String(BOOK.sku), count: 1 }, "user_id"],
    ["sku 0", { userId: "42", sku: "0", count: 1 }, "sku"],
  ])("invalid_argument (400) for %s, naming the field; nothing changes", async (_, body, field) => {
    const err = await connectErrorOf(await rpc("AddItem", body));
    expect(err).toMatchObject({ status: 400, code: "invalid_argument" });
    expect(err.message).toContain(field);
    expect(products.calls).toHaveLength(0);
    expect(await carts.get(42n)).toEqual([]);
  });

  test("an empty cart is not_found (404); an unknown product is failed_precondition", async () => {
    expect(await connectErrorOf(await rpc("ListCart", { userId: "42" }))).toMatchObject({
      status: 404,
      code: "not_found",
    });
    const unknown = await rpc("AddItem", { userId: "42", sku: "404", count: 1 });
    expect(await connectErrorOf(unknown)).toMatchObject({
      status: 400,
      code: "failed_precondition",
      message: expect.stringContaining("404"),
    });
  });

  test("the x-api-key of a Connect call reaches products", async () => {
    const res = await call(
      "POST",
      "/cart.v1.CartService/AddItem",
      JSON.stringify({ userId: "42", sku: String(BOOK.sku), count: 1 }),
      { "x-api-key": "connect-token" },
    );
    expect(res.status).toBe(200);
    expect(products.calls.map((c) => c.token)).toEqual(["connect-token"]);
  });
});

describe("ops and docs on the same surface", () => {
  test("/healthz, /readyz and /metrics answer; /openapi.json lists REST and Connect paths", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200);
    expect((await call("GET", "/readyz")).status).toBe(200);
    expect(await (await call("GET", "/metrics")).text()).toContain("rpc_server_requests_total");
    const doc = (await (await call("GET", "/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/user/{user_id}/cart", "/cart.v1.CartService/AddItem"]),
    );
  });

  test("an unknown path is 404, a known path with another method 405 with Allow", async () => {
    expect((await call("GET", "/nowhere")).status).toBe(404);
    const res = await call("PUT", "/user/42/cart");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
  });
});
