// The test knobs callers are tested against: an artificial latency and a strict server-side cap.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createLogger, type RunningServer } from "@route256/platform";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { loadCatalog, startProducts } from "../src/app.ts";

const server = { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 };
const headers = { "x-api-key": "testToken" };

describe("PRODUCTS_RPS_LIMIT", () => {
  let products: RunningServer;
  beforeAll(async () => {
    products = await startProducts(
      { server, tokens: ["testToken"], latencyMs: 0, rpsLimit: 3 },
      { logger: createLogger("products", "silent"), catalog: await loadCatalog() },
    );
  });
  afterAll(() => products.close());

  test("over the cap → resource_exhausted over Connect and 429 over REST", async () => {
    const client = createClient(
      ProductService,
      createConnectTransport({ baseUrl: products.url, httpVersion: "1.1" }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.getProduct({ sku: 1076963n }, { headers })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect(ConnectError.from((r as PromiseRejectedResult).reason).code).toBe(Code.ResourceExhausted);
    }
    const rest = await fetch(`${products.url}/product/1076963`, { headers });
    expect(rest.status).toBe(429);
  });
});

describe("PRODUCTS_LATENCY_MS", () => {
  let products: RunningServer;
  beforeAll(async () => {
    products = await startProducts(
      { server, tokens: ["testToken"], latencyMs: 300, rpsLimit: 0 },
      { logger: createLogger("products", "silent"), catalog: await loadCatalog() },
    );
  });
  afterAll(() => products.close());

  test("every answer takes at least the configured latency", async () => {
    const started = performance.now();
    const res = await fetch(`${products.url}/product/1076963`, { headers });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
  });

  test("a caller that gives up cancels the wait (deadline_exceeded, not a late answer)", async () => {
    const client = createClient(
      ProductService,
      createConnectTransport({ baseUrl: products.url, httpVersion: "1.1" }),
    );
    const err = await client
      .getProduct({ sku: 1076963n }, { headers, timeoutMs: 50 })
      .catch((e) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
  });
});
