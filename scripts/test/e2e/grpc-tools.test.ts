// grpcurl and `buf curl` against the services started as processes (as `just dev` runs them), with
// no .proto files: everything they know comes from each port's server reflection. They list the
// services, describe a method, call every RPC of every service, and ask the gRPC health service,
// which follows readiness (NOT_SERVING while a dependency is down, and while draining).
// grpcurl comes from scripts/ensure-grpcurl.sh (`just test-deps`), buf from npm ci.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { freePort } from "@route256/testkit/ports";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { type Stack, startStack } from "../../../cart/test/e2e/stack.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const GRPCURL = `${ROOT}.tools/bin/grpcurl`;
const BUF = `${ROOT}node_modules/.bin/buf`;
const API_KEY = "testToken";

const TOOLS = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function run(cmd: string[], signal?: AbortSignal): Promise<Ran> {
  const child = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  signal?.addEventListener("abort", () => child.kill("SIGTERM"), { once: true });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

const hostOf = (url: string) => url.replace(/^http:\/\//, "");

/** One gRPC client tool, asked without any schema. */
interface Tool {
  name: string;
  list(url: string): Promise<string[]>;
  call(url: string, method: string, body: object, headers?: Record<string, string>): Promise<unknown>;
}

async function succeeded(what: string, ran: Promise<Ran>): Promise<string> {
  const r = await ran;
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.err}${r.out}`);
  return r.out;
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

const grpcurl: Tool = {
  name: "grpcurl",
  list: async (url) =>
    lines(await succeeded("grpcurl list", run([GRPCURL, "-plaintext", hostOf(url), "list"]))),
  call: async (url, method, body, headers = {}) => {
    const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const cmd = [GRPCURL, "-plaintext", ...h, "-d", JSON.stringify(body), hostOf(url), method];
    return JSON.parse(await succeeded(`grpcurl ${method}`, run(cmd)));
  },
};

const bufCurl: Tool = {
  name: "buf curl",
  list: async (url) =>
    lines(
      await succeeded(
        "buf curl --list-services",
        run([BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", url]),
      ),
    ),
  call: async (url, method, body, headers = {}) => {
    const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const cmd = [
      BUF,
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      ...h,
      "-d",
      JSON.stringify(body),
    ];
    return JSON.parse(await succeeded(`buf curl ${method}`, run([...cmd, `${url}/${method}`])));
  },
};

let stack: Stack;
let notifier: SpawnedService;
beforeAll(async () => {
  if (!existsSync(GRPCURL))
    throw new Error(`${GRPCURL} is missing: run scripts/ensure-grpcurl.sh (just test-deps)`);
  stack = await startStack();
  // The notifier with a broker nobody listens on: its port is up, its consumer never joins.
  notifier = await spawnService("notifier/src/main.ts", {
    portEnv: "NOTIFIER_PORT",
    until: "alive",
    env: { NOTIFIER_KAFKA_BROKERS: `127.0.0.1:${await freePort()}` },
  });
}, 60_000);
afterAll(async () => {
  await notifier?.stop();
  expect(await stack.stop()).toEqual([0, 0, 0]);
});

describe.each([grpcurl, bufCurl].map((t) => [t.name, t] as const))("%s without --schema", (_, tool) => {
  test("lists each port's services, the notifier's too", async () => {
    expect(await tool.list(stack.products.url)).toEqual([...TOOLS, "products.v1.ProductService"].sort());
    expect(await tool.list(stack.loms.url)).toEqual(
      [...TOOLS, "loms.v1.OrderService", "loms.v1.StockService"].sort(),
    );
    expect(await tool.list(stack.cart.url)).toEqual([...TOOLS, "cart.v1.CartService"].sort());
    expect(await tool.list(notifier.url)).toEqual(TOOLS);
  });

  test("calls every RPC of products", async () => {
    const key = { "x-api-key": API_KEY };
    const url = stack.products.url;
    expect(await tool.call(url, "products.v1.ProductService/GetProduct", { sku: 1076963 }, key)).toEqual({
      product: { sku: "1076963", name: "Теория нравственных чувств | Смит Адам", price: 3379 },
    });
    const page = (await tool.call(url, "products.v1.ProductService/ListSkus", { count: 2 }, key)) as {
      products: { sku: string }[];
    };
    expect(page.products.map((p) => p.sku)).toHaveLength(2);
  });

  test("calls every RPC of LOMS", async () => {
    const url = stack.loms.url;
    const stock = (await tool.call(url, "loms.v1.StockService/StocksInfo", { sku: 1076963 })) as {
      count: number;
    };
    expect(stock.count).toBeGreaterThan(1);
    const order = (items: object[]) =>
      tool.call(url, "loms.v1.OrderService/OrderCreate", { userId: 31, items }) as Promise<{
        orderId: string;
      }>;
    const paid = (await order([{ sku: 1076963, count: 1 }])).orderId;
    expect(await tool.call(url, "loms.v1.OrderService/OrderInfo", { orderId: paid })).toEqual({
      status: "awaiting payment",
      userId: "31",
      items: [{ sku: "1076963", count: 1 }],
    });
    expect(await tool.call(url, "loms.v1.OrderService/OrderPay", { orderId: paid })).toEqual({});
    const cancelled = (await order([{ sku: 1076963, count: 1 }])).orderId;
    expect(await tool.call(url, "loms.v1.OrderService/OrderCancel", { orderId: cancelled })).toEqual({});
    expect(await tool.call(url, "loms.v1.OrderService/OrderInfo", { orderId: cancelled })).toMatchObject({
      status: "cancelled",
    });
  });

  test("calls every RPC of cart", async () => {
    const url = stack.cart.url;
    const userId = tool === grpcurl ? 41 : 42;
    const cart = (method: string, body: object) =>
      tool.call(url, `cart.v1.CartService/${method}`, { userId, ...body });
    expect(await cart("AddItem", { sku: 1076963, count: 2 })).toEqual({});
    expect(await cart("AddItem", { sku: 1148162, count: 1 })).toEqual({});
    expect(await cart("DeleteItem", { sku: 1148162 })).toEqual({});
    expect(await cart("ListCart", {})).toEqual({
      items: [{ sku: "1076963", name: "Теория нравственных чувств | Смит Адам", count: 2, price: 3379 }],
      totalPrice: 6758,
    });
    const { orderId } = (await cart("Checkout", {})) as { orderId: string };
    expect(BigInt(orderId)).toBeGreaterThan(0n);
    expect(await cart("AddItem", { sku: 1076963, count: 1 })).toEqual({});
    expect(await cart("ClearCart", {})).toEqual({});
  });

  test("health: SERVING on ready ports, NOT_SERVING while the notifier's broker is down", async () => {
    const check = (url: string, service = "") => tool.call(url, "grpc.health.v1.Health/Check", { service });
    expect(await check(stack.products.url)).toEqual({ status: "SERVING" });
    expect(await check(stack.loms.url, "loms.v1.OrderService")).toEqual({ status: "SERVING" });
    expect(await check(stack.cart.url, "cart.v1.CartService")).toEqual({ status: "SERVING" });
    expect(await check(notifier.url)).toEqual({ status: "NOT_SERVING" });
    expect(await tool.call(stack.loms.url, "grpc.health.v1.Health/List", {})).toEqual({
      statuses: Object.fromEntries(
        ["", ...TOOLS, "loms.v1.OrderService", "loms.v1.StockService"].map((n) => [n, { status: "SERVING" }]),
      ),
    });
  });
});

describe("grpcurl describe", () => {
  test("a method and its request message, with the protovalidate rules", async () => {
    const described = await succeeded(
      "grpcurl describe",
      run([GRPCURL, "-plaintext", hostOf(stack.loms.url), "describe", "loms.v1.StockService.StocksInfo"]),
    );
    expect(described).toContain(
      "rpc StocksInfo ( .loms.v1.StocksInfoRequest ) returns ( .loms.v1.StocksInfoResponse );",
    );
    const message = await succeeded(
      "grpcurl describe",
      run([GRPCURL, "-plaintext", hostOf(stack.cart.url), "describe", "cart.v1.AddItemRequest"]),
    );
    expect(message).toContain("int64 user_id = 1 [(.buf.validate.field) = { int64: { gt: 0 } }];");
  });
});

describe("health while draining", () => {
  test("a Watch sees SERVING, then NOT_SERVING when the process is told to stop, and ends", async () => {
    const products = await spawnService("products/src/main.ts", { portEnv: "PRODUCTS_PORT" });
    const watch = Bun.spawn(
      [
        GRPCURL,
        "-plaintext",
        "-d",
        '{"service":"products.v1.ProductService"}',
        hostOf(products.url),
        "grpc.health.v1.Health/Watch",
      ],
      { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    // SIGTERM only once the first status arrived: the stream is open.
    const reader = watch.stdout.getReader();
    const decoder = new TextDecoder();
    let out = "";
    while (!out.includes("}")) {
      const next = await reader.read();
      if (next.done) break;
      out += decoder.decode(next.value, { stream: true });
    }
    expect(JSON.parse(out)).toEqual({ status: "SERVING" });
    expect(await products.stop()).toBe(0);
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      out += decoder.decode(next.value, { stream: true });
    }
    expect(await watch.exited).toBe(0);
    expect(out.replace(/\s+/g, "")).toBe('{"status":"SERVING"}{"status":"NOT_SERVING"}');
  });
});
