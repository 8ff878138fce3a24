// The test knobs callers are tested against — an artificial latency and a strict server-side cap —
// on the products surface in process, the latency on the fake clock (no wall-clock bounds); and
// startProducts, the composition root that serves them, once on a real port.
import { afterEach, describe, expect, jest, test } from "bun:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createLogger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { onePortInProcess } from "@route256/platform/server/one-port";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { loadCatalog, productsSurface, startProducts } from "../src/app.ts";
import type { ProductsConfig } from "../src/config.ts";

const headers = { "x-api-key": "testToken" };
const catalog = await loadCatalog();
const BASE = "http://products.test";

function products(access: Pick<ProductsConfig, "latencyMs" | "rpsLimit">) {
  const handle = onePortInProcess({
    config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
    logger: createLogger("products", "silent"),
    metrics: createRpcMetrics("products"),
    ...productsSurface(catalog, { ...access, tokens: ["testToken"] }),
  });
  const inProcessFetch = (input: RequestInfo | URL, init?: RequestInit) => handle(new Request(input, init));
  const client = createClient(
    ProductService,
    createConnectTransport({ baseUrl: BASE, fetch: inProcessFetch as typeof fetch }),
  );
  return { handle, client };
}

/** Lets the request reach the latency's timer: microtasks only, so fake time stands still. */
async function untilTimers(count: number) {
  for (let i = 0; i < 1000 && jest.getTimerCount() < count; i++) await Promise.resolve();
  expect(jest.getTimerCount()).toBe(count);
}

afterEach(() => {
  jest.useRealTimers();
});

describe("PRODUCTS_RPS_LIMIT", () => {
  test("over the cap → resource_exhausted over Connect and 429 over REST", async () => {
    const { handle, client } = products({ latencyMs: 0, rpsLimit: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.getProduct({ sku: 1076963n }, { headers })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect(ConnectError.from((r as PromiseRejectedResult).reason).code).toBe(Code.ResourceExhausted);
    }
    const rest = await handle(new Request(`${BASE}/product/1076963`, { headers }));
    expect(rest.status).toBe(429);
  });
});

describe("PRODUCTS_LATENCY_MS", () => {
  test("every answer waits the configured latency, and not a moment less", async () => {
    jest.useFakeTimers();
    const { handle } = products({ latencyMs: 300, rpsLimit: 0 });
    let answered = false;
    const answer = handle(new Request(`${BASE}/product/1076963`, { headers })).then((res) => {
      answered = true;
      return res;
    });
    await untilTimers(1);
    jest.advanceTimersByTime(299);
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(answered).toBe(false);
    jest.advanceTimersByTime(1);
    expect((await answer).status).toBe(200);
  });

  test("a caller that gives up cancels the wait (canceled at once, not a late answer)", async () => {
    jest.useFakeTimers(); // fake time never moves here: only cancelling the wait can end the call
    const { client } = products({ latencyMs: 300, rpsLimit: 0 });
    const caller = new AbortController();
    const call = client.getProduct({ sku: 1076963n }, { headers, signal: caller.signal });
    for (let i = 0; i < 50; i++) await Promise.resolve();
    caller.abort();
    const err = ConnectError.from(await call.catch((e) => e));
    expect(err.code).toBe(Code.Canceled);
  });

  test.each([0, 1, 5, 20])(
    "the wait is cancelled whenever the caller leaves (after %i turns)",
    async (turns) => {
      jest.useFakeTimers();
      const { handle } = products({ latencyMs: 300, rpsLimit: 0 });
      const caller = new AbortController();
      const answer = handle(new Request(`${BASE}/product/1076963`, { headers, signal: caller.signal }));
      for (let i = 0; i < turns; i++) await Promise.resolve();
      caller.abort();
      expect((await answer).status).toBe(499);
    },
  );
});

describe("startProducts", () => {
  test("serves productsSurface on a real port, with the configured knobs, and closes", async () => {
    const server = await startProducts(
      {
        server: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
        tokens: ["testToken"],
        latencyMs: 1,
        rpsLimit: 100,
      },
      { logger: createLogger("products", "silent"), catalog },
    );
    try {
      const res = await fetch(`${server.url}/product/1076963`, { headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { price: number }).price).toBe(3379);
    } finally {
      await server.close();
    }
  });
});
