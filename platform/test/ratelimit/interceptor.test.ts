import { beforeEach, describe, expect, setSystemTime, test } from "bun:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { rateLimitInterceptor, timeoutMsOf } from "../../src/ratelimit/interceptor.ts";
import type { AcquireOptions, RateLimiter } from "../../src/ratelimit/limiter.ts";
import { createLocalLimiter } from "../../src/ratelimit/local-limiter.ts";
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

/**
 * A 1 RPS local limiter (turns 1050 ms apart) whose schedule clock stands still and whose waits
 * never end by themselves — only their signal does — and are recorded.
 */
function sleepless() {
  const sleeps: number[] = [];
  const limiter = createLocalLimiter({
    rps: 1,
    now: () => 0,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    },
  });
  return { limiter, sleeps };
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
    await until(() => gate.asked.length === 1);
    expect(products.calls).toEqual([]); // still held
    gate.gates[0]!.resolve();
    expect((await call).product?.sku).toBe(1n);
    expect(products.calls).toEqual([1n]);
  });

  test("every call asks, with the call's signal; no timeout → no deadline", async () => {
    const gate = new GateLimiter();
    const client = clientWith(gate);
    const calls = [client.getProduct({ sku: 1n }), client.listSkus({ count: 1 })];
    await until(() => gate.asked.length === 2);
    expect(gate.asked.every((o) => o.signal instanceof AbortSignal && o.deadline === undefined)).toBe(true);
    for (const g of gate.gates) g.resolve();
    await Promise.all(calls);
  });

  test("the call's timeout becomes the limiter's deadline", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    setSystemTime(now); // the wall clock stands still: the deadline is exact
    try {
      const gate = new GateLimiter();
      const call = clientWith(gate).getProduct({ sku: 1n }, { timeoutMs: 5000 });
      await until(() => gate.asked.length === 1);
      expect(gate.asked[0]?.deadline).toBe(now.getTime() + 5000);
      gate.gates[0]!.resolve();
      await call;
    } finally {
      setSystemTime();
    }
  });

  test("a call whose turn would come after its deadline fails at once with DeadlineExceeded", async () => {
    const limiter = sleepless();
    const client = clientWith(limiter.limiter);
    await client.getProduct({ sku: 1n });
    const err = await rejectionOf(client.getProduct({ sku: 2n }, { timeoutMs: 800 }), ConnectError);
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(limiter.sleeps).toEqual([]); // refused when asked, not after waiting for the deadline
    expect(products.calls).toEqual([1n]);
  });

  test("cancelling a waiting call gives Canceled and the call never goes out", async () => {
    const limiter = sleepless();
    const client = clientWith(limiter.limiter);
    await client.getProduct({ sku: 1n });
    const abort = new AbortController();
    const call = client.getProduct({ sku: 2n }, { signal: abort.signal });
    await until(() => limiter.sleeps.length === 1); // waiting for its turn, 1050 ms away
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
