// Every cart row of SPEC.md through the course's REST contract, against products, LOMS and cart
// started as processes (embedded mode: in-memory stores).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Stack, startStack } from "./stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ products: { PRODUCTS_TOKENS: "testToken,otherToken" } });
});
afterAll(async () => {
  expect(await stack.stop()).toEqual([0, 0, 0]);
});

let nextUser = 1000;
const newUser = () => nextUser++;

async function cart(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.cart.url}${path}`, { method, body, headers });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
const add = (user: number | string, sku: number | string, count: unknown, headers?: Record<string, string>) =>
  cart("POST", `/user/${user}/cart/${sku}`, JSON.stringify({ count }), headers);
const lomsStock = async (sku: number) =>
  ((await (await fetch(`${stack.loms.url}/stock/info?sku=${sku}`)).json()) as { count: number }).count;

describe("POST /user/{user_id}/cart/{sku_id}", () => {
  test("200 {} and counts of the same sku add up; LOMS stock is not touched", async () => {
    const user = newUser();
    const before = await lomsStock(1076963);
    expect(await add(user, 1076963, 2)).toMatchObject({ status: 200, json: {} });
    expect((await add(user, 1076963, 3)).status).toBe(200);
    expect(await lomsStock(1076963)).toBe(before);
    const list = await cart("GET", `/user/${user}/cart`);
    expect(list.json?.items).toEqual([
      { sku: 1076963, name: "Теория нравственных чувств | Смит Адам", count: 5, price: 3379 },
    ]);
  });

  test("400 for user, sku or count ≤ 0, non-numbers and bad JSON, with a message naming the field", async () => {
    for (const [reply, field] of [
      [await add(0, 1076963, 1), "user_id"],
      [await add("abc", 1076963, 1), "user_id"],
      [await add(1, 0, 1), "sku"],
      [await add(1, -5, 1), "sku"],
      [await add(1, 1076963, 0), "count"],
      [await add(1, 1076963, -1), "count"],
      [await add(1, 1076963, "2"), "count"],
      [await cart("POST", "/user/1/cart/1076963", "{not json"), "body"],
      [await add("99999999999999999999", 1076963, 1), "user_id"],
    ] as const) {
      expect(reply.status).toBe(400);
      expect(String(reply.json?.message)).toContain(field);
    }
  });

  test("412 for an sku unknown to products, including int64's largest", async () => {
    for (const sku of ["404", "9223372036854775807"]) {
      const reply = await add(newUser(), sku, 1);
      expect(reply.status).toBe(412);
      expect(String(reply.json?.message)).toContain(sku);
    }
  });

  test("412 when the cart's count would exceed LOMS stock; the cart keeps what it had", async () => {
    const user = newUser();
    const available = await lomsStock(135717466);
    expect((await add(user, 135717466, available)).status).toBe(200);
    expect((await add(user, 135717466, 1)).status).toBe(412);
    expect((await cart("GET", `/user/${user}/cart`)).json?.items).toMatchObject([
      { sku: 135717466, count: available },
    ]);
    expect((await add(newUser(), 139818428, 1)).status).toBe(412); // reserved above total: nothing to sell
  });
});

describe("DELETE", () => {
  test("an item: 204, also when absent; the rest of the cart stays", async () => {
    const user = newUser();
    await add(user, 1076963, 1);
    await add(user, 1148162, 1);
    expect((await cart("DELETE", `/user/${user}/cart/1076963`)).status).toBe(204);
    expect((await cart("DELETE", `/user/${user}/cart/1076963`)).status).toBe(204);
    expect((await cart("GET", `/user/${user}/cart`)).json?.items).toMatchObject([{ sku: 1148162 }]);
    expect((await cart("DELETE", "/user/0/cart/1076963")).status).toBe(400);
  });

  test("the cart: 204, also when empty; then GET is 404", async () => {
    const user = newUser();
    await add(user, 1076963, 1);
    expect((await cart("DELETE", `/user/${user}/cart`)).status).toBe(204);
    expect((await cart("DELETE", `/user/${user}/cart`)).status).toBe(204);
    expect((await cart("GET", `/user/${user}/cart`)).status).toBe(404);
    expect((await cart("DELETE", "/user/-1/cart")).status).toBe(400);
  });
});

describe("GET /user/{user_id}/cart", () => {
  test("items sorted by sku with names, prices and total_price as plain numbers", async () => {
    const user = newUser();
    await add(user, 2958025, 2);
    await add(user, 1148162, 1);
    await add(user, 1625903, 3);
    const reply = await cart("GET", `/user/${user}/cart`);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      items: [
        { sku: 1148162, name: "Кулинар Гуров", count: 1, price: 2931 },
        { sku: 1625903, name: "Сказки звездного неба", count: 3, price: 1423 },
        { sku: 2958025, name: "Roxy Music. Stranded. Remastered Edition", count: 2, price: 1028 },
      ],
      total_price: 2931 + 3 * 1423 + 2 * 1028,
    });
  });

  test("404 for an empty cart, 400 for a bad user id", async () => {
    expect(await cart("GET", `/user/${newUser()}/cart`)).toMatchObject({ status: 404 });
    expect((await cart("GET", "/user/0/cart")).status).toBe(400);
  });
});

describe("POST /checkout/{user_id}", () => {
  test("200 {order_id}, the order holds the cart in LOMS, the cart is cleared", async () => {
    const user = newUser();
    await add(user, 3596599, 2);
    await add(user, 1148162, 1);
    const reply = await cart("POST", `/checkout/${user}`);
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^\{"order_id":\d+\}$/);
    const order = await (await fetch(`${stack.loms.url}/order/info?orderId=${reply.json?.order_id}`)).json();
    expect(order).toEqual({
      status: "awaiting payment",
      userId: String(user),
      items: [
        { sku: "1148162", count: 1 },
        { sku: "3596599", count: 2 },
      ],
    });
    expect((await cart("GET", `/user/${user}/cart`)).status).toBe(404);
  });

  test("the user id is kept exactly over the whole int64 range", async () => {
    const user = "9223372036854775807";
    await cart("DELETE", `/user/${user}/cart`);
    await add(user, 1625903, 1);
    const reply = await cart("POST", `/checkout/${user}`);
    expect(reply.status).toBe(200);
    const order = (await (
      await fetch(`${stack.loms.url}/order/info?orderId=${reply.json?.order_id}`)
    ).json()) as {
      userId: string;
    };
    expect(order.userId).toBe(user);
  });

  test("404 for an empty cart; 412 when LOMS cannot reserve, and the cart is kept", async () => {
    expect((await cart("POST", `/checkout/${newUser()}`)).status).toBe(404);
    const user = newUser();
    const available = await lomsStock(135937324);
    expect((await add(user, 135937324, available)).status).toBe(200);
    // Someone else buys one unit first: the cart now wants more than LOMS has.
    const other = await fetch(`${stack.loms.url}/order/create`, {
      method: "POST",
      body: JSON.stringify({ userId: 1, items: [{ sku: 135937324, count: 1 }] }),
    });
    expect(other.status).toBe(200);
    const reply = await cart("POST", `/checkout/${user}`);
    expect(reply.status).toBe(412);
    expect((await cart("GET", `/user/${user}/cart`)).json?.items).toMatchObject([
      { sku: 135937324, count: available },
    ]);
  });
});

describe("products calls", () => {
  test("the caller's X-API-KEY is carried to products; without one the configured token is used", async () => {
    const user = newUser();
    expect((await add(user, 1625903, 1, { "X-API-KEY": "otherToken" })).status).toBe(200);
    expect((await add(user, 1625903, 1)).status).toBe(200);
  });

  test("a products failure other than not found is a 5xx, never a false 412", async () => {
    const reply = await add(newUser(), 4288068, 1, { "X-API-KEY": "wrong" });
    expect(reply.status).toBe(503);
    expect(String(reply.json?.message)).toContain("products");
  });
});

describe("the OpenAPI document", () => {
  test("every operation documents its responses (Swagger UI shows a live result only then)", async () => {
    const spec = (await (await fetch(`${stack.cart.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses?: unknown }>>;
    };
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect({ path, method, responses: op.responses !== undefined }).toEqual({
          path,
          method,
          responses: true,
        });
      }
    }
  });

  test("REST routes are documented from their schemas: the body's count with the .proto's bounds, 204s without content", async () => {
    interface Operation {
      requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
      responses: Record<string, { content?: Record<string, unknown> }>;
    }
    const spec = (await (await fetch(`${stack.cart.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const add = spec.paths["/user/{user_id}/cart/{sku_id}"]?.post;
    expect(Object.keys(add?.requestBody?.content ?? {})).toEqual(["application/json"]);
    expect(add?.requestBody?.content["application/json"]?.schema).toMatchObject({
      required: ["count"],
      properties: { count: { exclusiveMinimum: 0, maximum: 4294967295, multipleOf: 1 } },
    });
    for (const path of ["/user/{user_id}/cart/{sku_id}", "/user/{user_id}/cart"]) {
      const deleted = spec.paths[path]?.delete?.responses["204"];
      expect(deleted).toBeDefined();
      expect(deleted?.content).toBeUndefined();
    }
  });
});
