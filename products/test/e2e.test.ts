// End to end: the products service started as a process, exactly as `just dev` runs it, and called
// over every protocol its one port speaks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { ABSENT_SKUS, KNOWN_PRODUCTS } from "../src/catalog/generate.ts";

const TOKEN = { "x-api-key": "testToken" };
let service: SpawnedService;

beforeAll(async () => {
  service = await spawnService("products/src/main.ts", { portEnv: "PRODUCTS_PORT" });
});
afterAll(async () => {
  expect(await service.stop()).toBe(0); // SIGTERM drains and exits cleanly
});

const postJson = (path: string, body: unknown, headers: Record<string, string> = TOKEN) =>
  fetch(`${service.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

async function rpcError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

describe("Connect JSON over HTTP/1.1 (curl-style)", () => {
  test("GetProduct returns a known product; int64 sku as a string", async () => {
    const res = await postJson("/products.v1.ProductService/GetProduct", { sku: 1076963 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      product: { sku: "1076963", name: "Теория нравственных чувств | Смит Адам", price: 3379 },
    });
  });

  test("invalid sku → 400 invalid_argument naming the field", async () => {
    const res = await postJson("/products.v1.ProductService/GetProduct", { sku: 0 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toContain("sku");
  });

  test("ListSkus count out of range → invalid_argument naming count", async () => {
    const res = await postJson("/products.v1.ProductService/ListSkus", { count: 1001 });
    const body = (await res.json()) as { code: string; message: string };
    expect(res.status).toBe(400);
    expect(body.message).toContain("count");
  });

  test("wrong token → 401 unauthenticated", async () => {
    const res = await postJson(
      "/products.v1.ProductService/GetProduct",
      { sku: 1076963 },
      { "x-api-key": "x" },
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
  });

  test("unknown sku → 404 not_found", async () => {
    const res = await postJson("/products.v1.ProductService/GetProduct", { sku: "9223372036854775807" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not_found");
  });
});

describe("generated clients", () => {
  const transports = {
    "gRPC over h2c": () => createGrpcTransport({ baseUrl: service.url }),
    "gRPC-Web over HTTP/1.1": () => createGrpcWebTransport({ baseUrl: service.url, httpVersion: "1.1" }),
    "Connect binary over h2c": () =>
      createConnectTransport({ baseUrl: service.url, httpVersion: "2", useBinaryFormat: true }),
  };
  for (const [name, transport] of Object.entries(transports)) {
    test(`${name}: every known product, then the error codes`, async () => {
      const client = createClient(ProductService, transport());
      for (const known of KNOWN_PRODUCTS) {
        const res = await client.getProduct({ sku: known.sku }, { headers: TOKEN });
        expect(res.product).toMatchObject({ sku: known.sku, name: known.name, price: known.price });
      }
      const page = await client.listSkus({ count: 3, startAfterSku: 1076963n }, { headers: TOKEN });
      expect(page.products).toHaveLength(3);
      expect(page.products[0]?.sku).toBeGreaterThan(1076963n);
      expect((await rpcError(client.getProduct({ sku: 0n }, { headers: TOKEN }))).code).toBe(
        Code.InvalidArgument,
      );
      expect((await rpcError(client.getProduct({ sku: 1076963n }))).code).toBe(Code.Unauthenticated);
      expect((await rpcError(client.getProduct({ sku: 404n }, { headers: TOKEN }))).code).toBe(Code.NotFound);
    });
  }
});

describe("REST (course product-service contract)", () => {
  const get = (path: string, headers: Record<string, string> = TOKEN) =>
    fetch(`${service.url}${path}`, { headers });

  test("GET /product/{sku} answers plain JSON numbers", async () => {
    const res = await get("/product/2958025");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      sku: 2958025,
      name: "Roxy Music. Stranded. Remastered Edition",
      price: 1028,
    });
  });

  test("unknown skus → 404 with the course's body", async () => {
    for (const sku of ABSENT_SKUS) {
      const res = await get(`/product/${sku}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 1, message: "nothing found by the sku" });
    }
  });

  test("bad key → 401; bad sku → 400 naming the field", async () => {
    expect((await get("/product/1076963", { "x-api-key": "nope" })).status).toBe(401);
    const zero = await get("/product/0");
    expect(zero.status).toBe(400);
    expect(((await zero.json()) as { message: string }).message).toContain("sku");
    const text = await get("/product/abc");
    expect(text.status).toBe(400);
    expect(((await text.json()) as { message: string }).message).toContain("sku");
  });

  test("GET /product lists in sku order and validates count", async () => {
    const res = await get("/product?count=5&start_after_sku=1000");
    const body = (await res.json()) as { products: { sku: number }[] };
    expect(res.status).toBe(200);
    expect(body.products).toHaveLength(5);
    const skus = body.products.map((p) => p.sku);
    expect([...skus].sort((a, b) => a - b)).toEqual(skus);
    expect((await get("/product?count=0")).status).toBe(400);
    expect((await get("/product?count=1001")).status).toBe(400);
  });

  test("strict query: count is required, and a parameter given twice or unknown is 400 naming it", async () => {
    for (const [query, field] of [
      ["", "count"],
      ["?start_after_sku=5", "count"],
      ["?count=1&count=1000", "count"],
      ["?count=1&start_after_sku=1&start_after_sku=2", "start_after_sku"],
      ["?count=1&cnt=2", "cnt"],
    ] as const) {
      const res = await get(`/product${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain(field);
    }
    const spec = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, { get: { parameters: { name: string; required?: boolean }[] } }>;
    };
    const params = spec.paths["/product"]?.get.parameters ?? [];
    expect(params.find((p) => p.name === "count")?.required).toBe(true);
  });
});

describe("the one port also serves", () => {
  test("/docs (Swagger UI, offline), /openapi.json, /metrics, /healthz, /readyz", async () => {
    const docs = await fetch(`${service.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/docs/assets/swagger-ui-bundle.js");
    expect((await fetch(`${service.url}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
    const spec = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toStartWith("3.1");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/products.v1.ProductService/GetProduct", "/product/{sku}", "/product"]),
    );
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain(
      'rpc_server_requests_total{service="products.v1.ProductService",method="GetProduct"',
    );
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  test("buf curl --protocol grpc --http2-prior-knowledge --schema proto", async () => {
    const run = Bun.spawn(
      [
        "buf",
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--schema",
        "proto",
        "-H",
        "X-API-KEY: testToken",
        "-d",
        '{"sku":1148162}',
        `${service.url}/products.v1.ProductService/GetProduct`,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out, err, code] = [
      await new Response(run.stdout).text(),
      await new Response(run.stderr).text(),
      await run.exited,
    ];
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ product: { sku: "1148162", name: "Кулинар Гуров", price: 2931 } });
  });

  test("every request is logged as one JSON line with its request id", () => {
    const lines = service
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => l.rpcCode === "not_found")).toBe(true);
    for (const l of lines) expect(typeof l.requestId).toBe("string");
  });
});
