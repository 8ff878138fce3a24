import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { RestProductCatalog } from "../../src/adapters/products/rest-products.ts";
import { withProductsToken } from "../../src/adapters/products/token.ts";
import type { Product } from "../../src/domain/cart.ts";
import { expectDownstreamFailure } from "../support/async.ts";
import { aSignal, BOOK, COOK } from "../support/builders.ts";

const FALLBACK = "testToken";
const BIG: Product = { sku: 9223372036854775807n, name: "largest sku", price: 1 };

/**
 * The course's products REST contract, faked: GET /product/{sku} answers the product or 404; a test
 * can script the statuses of the next calls for a sku. Every request is recorded.
 */
const requests: { path: string; key: string | null }[] = [];
const scripts = new Map<string, number[]>();
const catalog = new Map<string, Product>([BOOK, COOK, BIG].map((p) => [String(p.sku), p]));

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const path = new URL(req.url).pathname;
    requests.push({ path, key: req.headers.get("x-api-key") });
    const sku = path.replace(/^\/product\//, "");
    const status = scripts.get(sku)?.shift() ?? 200;
    if (status !== 200) return Response.json({ code: status, message: "scripted failure" }, { status });
    const p = catalog.get(sku);
    if (!p) return Response.json({ code: 1, message: "nothing found by the sku" }, { status: 404 });
    // JSON numbers, as the course's service writes them (a large sku loses precision here).
    return new Response(`{"sku":${p.sku},"name":${JSON.stringify(p.name)},"price":${p.price}}`, {
      headers: { "content-type": "application/json" },
    });
  },
});
const baseUrl = `http://127.0.0.1:${server.port}`;

afterAll(() => server.stop(true));

beforeEach(() => {
  requests.length = 0;
  scripts.clear();
});

function script(sku: bigint, ...statuses: number[]) {
  scripts.set(String(sku), statuses);
}

/** A catalog with fast retries whose beforeCall counts its calls and the signals it got. */
function restCatalog(retries = 3, baseDelayMs = 1) {
  const before = { calls: 0, signals: [] as AbortSignal[] };
  const catalog = new RestProductCatalog(baseUrl, FALLBACK, { retries, baseDelayMs }, async (signal) => {
    before.calls++;
    before.signals.push(signal);
  });
  return { catalog, before };
}

describe("RestProductCatalog", () => {
  test("200: the product, under the sku asked for (exact even above 2^53)", async () => {
    const { catalog } = restCatalog();
    expect(await catalog.getProduct(BOOK.sku, aSignal())).toEqual(BOOK);
    expect(await catalog.getProduct(BIG.sku, aSignal())).toEqual(BIG);
    expect(requests.map((r) => r.path)).toEqual([`/product/${BOOK.sku}`, `/product/${BIG.sku}`]);
  });

  test("404: undefined, asked once", async () => {
    const { catalog } = restCatalog();
    expect(await catalog.getProduct(999999n, aSignal())).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  test("sends the caller's token as X-API-KEY, else the fallback token", async () => {
    const { catalog } = restCatalog();
    await withProductsToken("user-token", () => catalog.getProduct(BOOK.sku, aSignal()));
    await catalog.getProduct(BOOK.sku, aSignal());
    await withProductsToken("", () => catalog.getProduct(BOOK.sku, aSignal()));
    expect(requests.map((r) => r.key)).toEqual(["user-token", FALLBACK, FALLBACK]);
  });

  test("429 then 200: retried and succeeds, beforeCall awaited before each attempt", async () => {
    const { catalog, before } = restCatalog();
    script(BOOK.sku, 429);
    const signal = aSignal();
    expect(await catalog.getProduct(BOOK.sku, signal)).toEqual(BOOK);
    expect(requests).toHaveLength(2);
    expect(before.calls).toBe(2);
    expect(before.signals.every((s) => s === signal)).toBe(true);
  });

  test("503 and 502 are retried too", async () => {
    const { catalog } = restCatalog();
    script(COOK.sku, 503, 502);
    expect(await catalog.getProduct(COOK.sku, aSignal())).toEqual(COOK);
    expect(requests).toHaveLength(3);
  });

  test("429 every time: retries `retries` times, then fails naming ResourceExhausted", async () => {
    const { catalog, before } = restCatalog(2);
    script(BOOK.sku, 429, 429, 429, 429);
    expectDownstreamFailure(
      await rejectionOf(catalog.getProduct(BOOK.sku, aSignal())),
      "products",
      Code.ResourceExhausted,
    );
    expect(requests).toHaveLength(3);
    expect(before.calls).toBe(3);
  });

  test.each([
    [500, Code.Internal],
    [401, Code.Unauthenticated],
  ])("%i: fails at once, naming its code (not retried, not a not-found)", async (status, code) => {
    const { catalog } = restCatalog();
    script(BOOK.sku, status);
    expectDownstreamFailure(await rejectionOf(catalog.getProduct(BOOK.sku, aSignal())), "products", code);
    expect(requests).toHaveLength(1);
  });

  test("no request leaves before beforeCall resolves", async () => {
    const gate = Promise.withResolvers<void>();
    let waiting = 0;
    const catalog = new RestProductCatalog(baseUrl, FALLBACK, { retries: 0, baseDelayMs: 1 }, async () => {
      waiting++;
      await gate.promise;
    });
    const lookup = catalog.getProduct(BOOK.sku, aSignal());
    await until(() => waiting === 1); // parked in beforeCall: the request is built only after it
    expect(requests).toHaveLength(0);
    gate.resolve();
    expect(await lookup).toEqual(BOOK);
    expect(requests).toHaveLength(1);
  });

  test("a failing beforeCall (the limiter gave up) fails the lookup without a request", async () => {
    const catalog = new RestProductCatalog(baseUrl, FALLBACK, { retries: 3, baseDelayMs: 1 }, async () => {
      throw new Error("limiter closed");
    });
    const err = await rejectionOf(catalog.getProduct(BOOK.sku, aSignal()));
    expectDownstreamFailure(err, "products", Code.Unknown);
    expect((err as Error).message).toContain("limiter closed");
    expect(requests).toHaveLength(0);
  });

  test("the caller aborting stops the retries with Canceled", async () => {
    const { catalog, before } = restCatalog(3, 60_000);
    script(BOOK.sku, 503);
    const caller = new AbortController();
    const lookup = catalog.getProduct(BOOK.sku, caller.signal);
    await until(() => requests.length === 1);
    caller.abort();
    const err = await rejectionOf(lookup, ConnectError);
    expect(err.code).toBe(Code.Canceled);
    expect(before.calls).toBe(1);
  });
});
