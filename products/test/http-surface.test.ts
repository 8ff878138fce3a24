// The products service's HTTP surface in process (onePortInProcess over app.ts's productsSurface):
// the course's REST contract and Connect JSON, with their errors — no server, no socket.
import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { onePortInProcess } from "@route256/platform/server/one-port";
import { connectErrorOf } from "@route256/testkit/helpers";
import { loadCatalog, productsSurface } from "../src/app.ts";

const handle = onePortInProcess({
  config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
  logger: createLogger("products", "silent"),
  metrics: createRpcMetrics("products"),
  ...productsSurface(await loadCatalog(), { tokens: ["testToken"], latencyMs: 0, rpsLimit: 0 }),
});
const TOKEN = { "x-api-key": "testToken" };

const get = (path: string, headers: Record<string, string> = TOKEN) =>
  handle(new Request(`http://products.test${path}`, { headers }));
const rpc = (method: string, body: unknown, headers: Record<string, string> = TOKEN) =>
  handle(
    new Request(`http://products.test/products.v1.ProductService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
  );

describe("REST (course product-service contract)", () => {
  test("GET /product/{sku}: the product with plain JSON numbers", async () => {
    const res = await get("/product/1148162");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sku: 1148162, name: "Кулинар Гуров", price: 2931 });
  });

  test("an unknown sku is 404 with the course's body", async () => {
    const res = await get("/product/404");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 1, message: "nothing found by the sku" });
  });

  test.each([
    ["no key", "/product/1076963", {}, 401, ""],
    ["a wrong key", "/product/1076963", { "x-api-key": "nope" }, 401, ""],
    ["sku 0", "/product/0", TOKEN, 400, "sku"],
    ["sku not a number", "/product/abc", TOKEN, 400, "sku"],
    ["count missing", "/product", TOKEN, 400, "count"],
    ["count 1001", "/product?count=1001", TOKEN, 400, "count"],
    ["an unknown parameter", "/product?count=1&cnt=2", TOKEN, 400, "cnt"],
  ])("%s → %i, naming what is wrong", async (_, path, headers, status, named) => {
    const res = await get(path, headers);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toContain(named);
  });

  test("GET /product pages in sku order", async () => {
    const res = await get("/product?count=3&start_after_sku=1076963");
    const skus = ((await res.json()) as { products: { sku: number }[] }).products.map((p) => p.sku);
    expect(skus).toHaveLength(3);
    expect(skus[0]).toBeGreaterThan(1076963);
    expect([...skus].sort((a, b) => a - b)).toEqual(skus);
  });
});

describe("Connect JSON", () => {
  test("GetProduct: int64 sku as a string", async () => {
    const res = await rpc("GetProduct", { sku: "1076963" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      product: { sku: "1076963", name: "Теория нравственных чувств | Смит Адам", price: 3379 },
    });
  });

  test.each([
    ["GetProduct", { sku: 0 }, TOKEN, 400, "invalid_argument", "sku"],
    ["ListSkus", { count: 1001 }, TOKEN, 400, "invalid_argument", "count"],
    ["GetProduct", { sku: 1076963 }, { "x-api-key": "x" }, 401, "unauthenticated", ""],
    ["GetProduct", { sku: "9223372036854775807" }, TOKEN, 404, "not_found", ""],
  ])("%s %j → %i %s", async (method, body, headers, status, code, named) => {
    expect(await connectErrorOf(await rpc(method, body, headers))).toMatchObject({
      status,
      code,
      message: expect.stringContaining(named),
    });
  });
});
