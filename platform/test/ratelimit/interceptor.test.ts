import { beforeEach, describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { rateLimitInterceptor, timeoutMsOf } from "../../src/ratelimit/interceptor.ts";
import type { AcquireOptions, RateLimiter } from "../../src/ratelimit/limiter.ts";
import { createLocalLimiter } from "../../src/ratelimit/local-limiter.ts";
import { rejectionOf } from "../../src/testing/helpers.ts";
import { type TestProducts, testProducts } from "../support/test-products.ts";

/** A limiter that records what it was asked and lets each call through only when the test says. */
class GateLimiter implements RateLimiter {
  readonly asked: AcquireOptions[] = [];
  readonly gates: PromiseWithResolvers<void>[] = [];
  acquire(opts: AcquireOptions = {}) {
    this.asked.push(opts);
    const gate = Promise.withResolvers<void>();
    this.gates.push(gate);
    return gate.promise.then(() => ({ waitedMs: 0 }));
  }
}

let products: TestProducts;

beforeEach(() => {
  products = testProducts();
});

function clientWith(limiter: RateLimiter) {
  const transport = createRouterTransport(products.routes, {
    transport: { interceptors: [rateLimitInterceptor(limiter)] },
  });
  return createClient(ProductService, transport);
}

describe("rateLimitInterceptor", () => {
  test("a call goes out only once the limiter gives it a turn", async () => {
    const gate = new GateLimiter();
    const call = clientWith(gate).getProduct({ sku: 1n });
    await Bun.sleep(5);
    expect(gate.asked.length).toBe(1);
    expect(products.calls).toEqual([]); // still held
    gate.gates[0]!.resolve();
    expect((await call).product?.sku).toBe(1n);
    expect(products.calls).toEqual([1n]);
  });

  test("every call asks, with the call's signal; no timeout → no deadline", async () => {
    const gate = new GateLimiter();
    const client = clientWith(gate);
    const calls = [client.getProduct({ sku: 1n }), client.listSkus({ count: 1 })];
    await Bun.sleep(5);
    expect(gate.asked.length).toBe(2);
    expect(gate.asked.every((o) => o.signal instanceof AbortSignal && o.deadline === undefined)).toBe(true);
    for (const g of gate.gates) g.resolve();
    await Promise.all(calls);
  });

  test("the call's timeout becomes the limiter's deadline", async () => {
    const gate = new GateLimiter();
    const before = Date.now();
    const call = clientWith(gate).getProduct({ sku: 1n }, { timeoutMs: 5000 });
    await Bun.sleep(5);
    const deadline = gate.asked[0]!.deadline!;
    expect(deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5000);
    gate.gates[0]!.resolve();
    await call;
  });

  test("a call whose turn would come after its deadline fails at once with DeadlineExceeded", async () => {
    const client = clientWith(createLocalLimiter({ rps: 1 })); // turns 1050 ms apart
    await client.getProduct({ sku: 1n });
    const started = performance.now();
    const err = await rejectionOf(client.getProduct({ sku: 2n }, { timeoutMs: 800 }), ConnectError);
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(performance.now() - started).toBeLessThan(500); // refused when asked, not at the 800 ms deadline
    expect(products.calls).toEqual([1n]);
  });

  test("cancelling a waiting call gives Canceled and the call never goes out", async () => {
    const client = clientWith(createLocalLimiter({ rps: 1 }));
    await client.getProduct({ sku: 1n });
    const abort = new AbortController();
    const call = client.getProduct({ sku: 2n }, { signal: abort.signal });
    await Bun.sleep(10);
    abort.abort();
    const err = await rejectionOf(call, ConnectError);
    expect(err.code).toBe(Code.Canceled);
    expect(products.calls).toEqual([1n]);
  });

  test("a limiter failing with a plain error is reported as Canceled, never as a 429", async () => {
    const client = clientWith({ acquire: () => Promise.reject(new Error("stop")) });
    const err = await rejectionOf(client.getProduct({ sku: 1n }), ConnectError);
    expect(err.code).toBe(Code.Canceled);
    expect(products.calls).toEqual([]);
  });
});

describe("timeoutMsOf", () => {
  test("reads Connect's and gRPC's timeout headers", () => {
    expect(timeoutMsOf(new Headers({ "connect-timeout-ms": "1500" }))).toBe(1500);
    expect(timeoutMsOf(new Headers({ "grpc-timeout": "250m" }))).toBe(250);
    expect(timeoutMsOf(new Headers({ "grpc-timeout": "2S" }))).toBe(2000);
    expect(timeoutMsOf(new Headers({ "grpc-timeout": "1M" }))).toBe(60_000);
    expect(timeoutMsOf(new Headers({ "grpc-timeout": "5000u" }))).toBe(5);
    expect(timeoutMsOf(new Headers())).toBeUndefined();
    expect(timeoutMsOf(new Headers({ "connect-timeout-ms": "soon" }))).toBeUndefined();
    expect(timeoutMsOf(new Headers({ "grpc-timeout": "10x" }))).toBeUndefined();
  });
});
