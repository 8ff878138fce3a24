// One strictness policy on every surface (README, "Errors and validation"), as a table: each bad
// input an outside client tried (issue 14) against cart REST, the LOMS REST gateway, Connect JSON and
// gRPC, checking the status, the error body of that surface, and that nothing changed: no order, no
// stock moved, no cart line. Products, LOMS and cart run as processes, wired as `just dev` wires them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrderCreateRequestSchema, OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { type Stack, startStack } from "./stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  expect(await stack.stop()).toEqual([0, 0, 0]);
});

const SKU = 1625903; // 10000 on hand in the fixture
const USER = 77;

/** What an answer looked like, reduced to what the policy promises. */
interface Answer {
  status: number | Code;
  body: unknown;
}

async function http(base: () => string, method: string, path: string, body?: string): Promise<Answer> {
  const res = await fetch(`${base()}${path}`, {
    method,
    body,
    headers: body === undefined ? {} : { "content-type": "application/json" },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const cartRest = (method: string, path: string, body?: string) =>
  http(() => stack.cart.url, method, path, body);
const gateway = (method: string, path: string, body?: string) =>
  http(() => stack.loms.url, method, path, body);
const connectJson = (base: () => string, method: string, body: string) =>
  http(base, "POST", `/${method}`, body);
async function grpc(call: (client: ReturnType<typeof lomsGrpc>) => Promise<unknown>): Promise<Answer> {
  try {
    return { status: 0, body: await call(lomsGrpc()) };
  } catch (err) {
    const e = ConnectError.from(err);
    return { status: e.code, body: { message: e.rawMessage } };
  }
}
const lomsGrpc = () => createClient(OrderService, createGrpcTransport({ baseUrl: stack.loms.url }));

/** Everything a refused request could have changed: the next order id, the stock, the user's cart. */
async function world() {
  const probe = (await gateway("POST", "/order/create", `{"userId":1,"items":[{"sku":1148162,"count":1}]}`))
    .body as { orderId: string };
  await gateway("POST", "/order/cancel", `{"orderId":${probe.orderId}}`);
  return {
    nextOrderId: BigInt(probe.orderId) + 1n,
    stock: (await gateway("GET", `/stock/info?sku=${SKU}`)).body,
    cart: (await cartRest("GET", `/user/${USER}/cart`)).body,
  };
}

/** The error body each surface promises, naming `field`. */
const refused = {
  cartRest: (field: string) => ({ status: 400, body: { message: expect.stringContaining(field) } }),
  gateway: (field: string) => ({
    status: 400,
    body: { code: Code.InvalidArgument, message: expect.stringContaining(field), details: [] },
  }),
  connectJson: (field: string) => ({
    status: 400,
    body: { code: "invalid_argument", message: expect.stringContaining(field) },
  }),
  grpc: (field: string) => ({
    status: Code.InvalidArgument,
    body: { message: expect.stringContaining(field) },
  }),
};

const overflow = `[{"sku":${SKU},"count":4294967295},{"sku":${SKU},"count":2}]`;
const order = (fields: string) => `{${fields}}`;
const lomsConnect = () => stack.loms.url;
const cartConnect = () => stack.cart.url;

const TABLE: { input: string; surface: string; send: () => Promise<Answer>; expected: unknown }[] = [
  // 1. Lines of one sku adding up past the uint32 count.
  {
    input: "merged count past uint32",
    surface: "LOMS gateway",
    send: () => gateway("POST", "/order/create", order(`"userId":1,"items":${overflow}`)),
    expected: refused.gateway("items"),
  },
  {
    input: "merged count past uint32",
    surface: "Connect JSON",
    send: () =>
      connectJson(lomsConnect, "loms.v1.OrderService/OrderCreate", order(`"userId":1,"items":${overflow}`)),
    expected: refused.connectJson("items"),
  },
  {
    input: "merged count past uint32",
    surface: "gRPC",
    send: () =>
      grpc((c) =>
        c.orderCreate({
          userId: 1n,
          items: [
            { sku: BigInt(SKU), count: 4294967295 },
            { sku: BigInt(SKU), count: 2 },
          ],
        }),
      ),
    expected: refused.grpc("items"),
  },
  {
    input: "count past uint32",
    surface: "cart REST",
    send: () => cartRest("POST", `/user/${USER}/cart/${SKU}`, `{"count":4294967296}`),
    expected: refused.cartRest("count"),
  },
  // 2. A key given twice: never last-one-wins.
  {
    input: "key given twice",
    surface: "cart REST",
    send: () => cartRest("POST", `/user/${USER}/cart/${SKU}`, `{"count":1000000,"count":1}`),
    expected: refused.cartRest("count"),
  },
  {
    input: "key given twice",
    surface: "LOMS gateway",
    send: () =>
      gateway("POST", "/order/create", order(`"userId":-5,"userId":7,"items":[{"sku":${SKU},"count":1}]`)),
    expected: refused.gateway("userId"),
  },
  {
    input: "key given twice",
    surface: "Connect JSON",
    send: () =>
      connectJson(
        lomsConnect,
        "loms.v1.OrderService/OrderCreate",
        order(`"userId":-5,"userId":7,"items":[{"sku":${SKU},"count":1}]`),
      ),
    expected: refused.connectJson("userId"),
  },
  {
    input: "key given twice",
    surface: "Connect JSON",
    send: () =>
      connectJson(
        cartConnect,
        "cart.v1.CartService/AddItem",
        `{"userId":${USER},"sku":${SKU},"count":1000000,"count":1}`,
      ),
    expected: refused.connectJson("count"),
  },
  {
    input: "field given by both its names",
    surface: "Connect JSON",
    send: () =>
      connectJson(
        lomsConnect,
        "loms.v1.OrderService/OrderCreate",
        order(`"userId":7,"user_id":8,"items":[{"sku":${SKU},"count":1}]`),
      ),
    expected: refused.connectJson("user_id"),
  },
  // 3. A query parameter given twice.
  {
    input: "query parameter given twice",
    surface: "LOMS gateway",
    send: () => gateway("GET", `/stock/info?sku=1&sku=${SKU}`),
    expected: refused.gateway("sku"),
  },
  {
    input: "query parameter given twice",
    surface: "cart REST",
    send: () => cartRest("GET", `/user/${USER}/cart?x=1&x=2`),
    expected: refused.cartRest("x"),
  },
  // 4. Unknown fields: refused by the REST contracts, skipped by the RPC surfaces (proto3).
  {
    input: "unknown field",
    surface: "cart REST",
    send: () => cartRest("POST", `/user/${USER}/cart/${SKU}`, `{"count":1,"cnt":2}`),
    expected: refused.cartRest("cnt"),
  },
  {
    input: "unknown field",
    surface: "LOMS gateway",
    send: () =>
      gateway("POST", "/order/create", order(`"userId":7,"bogus":1,"items":[{"sku":${SKU},"count":1}]`)),
    expected: refused.gateway("bogus"),
  },
  {
    input: "unknown field",
    surface: "LOMS gateway",
    send: () => gateway("GET", `/stock/info?sku=${SKU}&bogus=1`),
    expected: refused.gateway("bogus"),
  },
];

describe("every surface refuses the same bad input the same way, and nothing changes", () => {
  for (const row of TABLE) {
    test(`${row.input} — ${row.surface}`, async () => {
      const before = await world();
      expect(await row.send()).toEqual(row.expected as Answer);
      expect(await world()).toEqual({ ...before, nextOrderId: before.nextOrderId + 1n });
    });
  }
});

describe("unknown fields on the RPC surfaces are skipped (proto3 forward compatibility)", () => {
  test("Connect JSON: the order is created as if the field were absent", async () => {
    const res = await connectJson(
      lomsConnect,
      "loms.v1.OrderService/OrderCreate",
      order(`"userId":7,"fromNewerClient":1,"items":[{"sku":${SKU},"count":1}]`),
    );
    expect(res).toEqual({ status: 200, body: { orderId: expect.stringMatching(/^\d+$/) } });
  });

  test("gRPC: a field number this server does not know is skipped", async () => {
    const request = create(OrderCreateRequestSchema, { userId: 7n, items: [{ sku: BigInt(SKU), count: 1 }] });
    request.$unknown = [{ no: 99, wireType: WireType.Varint, data: new Uint8Array([1]) }];
    const res = await grpc((c) => c.orderCreate(request));
    expect(res.status).toBe(0); // OK
  });
});
