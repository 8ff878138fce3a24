import { describe, expect, test } from "bun:test";
import { until } from "@route256/testkit/helpers";
import { CachedProductCatalog } from "../../src/adapters/products/cached-catalog.ts";
import { MemoryProductCache } from "../../src/adapters/products/product-cache.ts";
import { withProductsToken } from "../../src/adapters/products/token.ts";
import { aSignal, BOOK, COOK } from "../support/builders.ts";
import { FakeProductCatalog } from "../support/fakes.ts";

const TTL = 1000;

/** A catalog over a fake products service and a memory cache whose clock the test moves. */
function setup() {
  let now = 1_000_000;
  const inner = new FakeProductCatalog([BOOK, COOK]);
  const cache = new MemoryProductCache(TTL, () => now);
  const stats = { hits: 0, misses: 0 };
  const catalog = new CachedProductCatalog(inner, cache, {
    onHit: () => stats.hits++,
    onMiss: () => stats.misses++,
  });
  return {
    inner,
    cache,
    catalog,
    stats,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("MemoryProductCache", () => {
  test("returns what was set until the TTL runs out, then nothing", async () => {
    let now = 0;
    const cache = new MemoryProductCache(100, () => now);
    expect(await cache.get(BOOK.sku)).toBeUndefined();
    await cache.set(BOOK);
    now = 99;
    expect(await cache.get(BOOK.sku)).toEqual(BOOK);
    now = 100;
    expect(await cache.get(BOOK.sku)).toBeUndefined();
    now = 0; // the expired entry was dropped, not just hidden
    expect(await cache.get(BOOK.sku)).toBeUndefined();
  });

  test("setting again restarts the TTL", async () => {
    let now = 0;
    const cache = new MemoryProductCache(100, () => now);
    await cache.set(BOOK);
    now = 90;
    await cache.set({ ...BOOK, price: 1 });
    now = 150;
    expect(await cache.get(BOOK.sku)).toEqual({ ...BOOK, price: 1 });
  });
});

describe("CachedProductCatalog", () => {
  test("a miss asks products and fills the cache; the next lookup is a hit without a products call", async () => {
    const t = setup();
    expect(await t.catalog.getProduct(BOOK.sku, aSignal())).toEqual(BOOK);
    expect(await t.cache.get(BOOK.sku)).toEqual(BOOK);
    expect(await t.catalog.getProduct(BOOK.sku, aSignal())).toEqual(BOOK);
    expect(t.inner.calls).toHaveLength(1);
    expect(t.stats).toEqual({ hits: 1, misses: 1 });
  });

  test("a product already cached is answered without asking products", async () => {
    const t = setup();
    await t.cache.set(COOK);
    expect(await t.catalog.getProduct(COOK.sku, aSignal())).toEqual(COOK);
    expect(t.inner.calls).toHaveLength(0);
    expect(t.stats).toEqual({ hits: 1, misses: 0 });
  });

  test("after the TTL the product is asked for again", async () => {
    const t = setup();
    await t.catalog.getProduct(BOOK.sku, aSignal());
    t.advance(TTL - 1);
    await t.catalog.getProduct(BOOK.sku, aSignal());
    expect(t.inner.calls).toHaveLength(1);
    t.advance(1);
    await t.catalog.getProduct(BOOK.sku, aSignal());
    expect(t.inner.calls).toHaveLength(2);
    expect(t.stats).toEqual({ hits: 1, misses: 2 });
  });

  test("not found is not cached: a product added later shows up on the next call", async () => {
    const t = setup();
    const sku = 404n;
    expect(await t.catalog.getProduct(sku, aSignal())).toBeUndefined();
    expect(await t.cache.get(sku)).toBeUndefined();
    t.inner.add({ sku, name: "new", price: 5 });
    expect(await t.catalog.getProduct(sku, aSignal())).toEqual({ sku, name: "new", price: 5 });
    expect(t.inner.calls).toHaveLength(2);
  });

  test("a failing products call propagates and caches nothing", async () => {
    const t = setup();
    const boom = new Error("down");
    t.inner.failWith(BOOK.sku, boom);
    await expect(t.catalog.getProduct(BOOK.sku, aSignal())).rejects.toBe(boom);
    expect(await t.cache.get(BOOK.sku)).toBeUndefined();
  });

  test("the caller's token reaches products", async () => {
    const t = setup();
    await withProductsToken("user-token", () => t.catalog.getProduct(BOOK.sku, aSignal()));
    expect(t.inner.calls[0]?.token).toBe("user-token");
  });

  test("50 concurrent misses of one sku make exactly one products call and all get the product", async () => {
    const t = setup();
    t.inner.hold = true;
    const lookups = Array.from({ length: 50 }, () => t.catalog.getProduct(BOOK.sku, aSignal()));
    await until(() => t.stats.misses === 50);
    await until(() => t.inner.held.length === 1);
    t.inner.releaseAll();
    const results = await Promise.all(lookups);
    expect(results.every((p) => p?.sku === BOOK.sku && p.name === BOOK.name)).toBe(true);
    expect(t.inner.calls).toHaveLength(1);
    expect(t.stats).toEqual({ hits: 0, misses: 50 });
  });

  test("different tokens make separate flights, each with its own token", async () => {
    const t = setup();
    t.inner.hold = true;
    const lookups = [
      withProductsToken("a", () => t.catalog.getProduct(BOOK.sku, aSignal())),
      withProductsToken("b", () => t.catalog.getProduct(BOOK.sku, aSignal())),
      withProductsToken("a", () => t.catalog.getProduct(BOOK.sku, aSignal())),
      t.catalog.getProduct(BOOK.sku, aSignal()),
    ];
    await until(() => t.inner.held.length === 3);
    t.inner.releaseAll();
    await Promise.all(lookups);
    expect(t.inner.calls.map((c) => c.token).sort()).toEqual(["a", "b", undefined]);
  });

  test("different skus make separate flights", async () => {
    const t = setup();
    t.inner.hold = true;
    const lookups = [BOOK.sku, COOK.sku, BOOK.sku].map((sku) => t.catalog.getProduct(sku, aSignal()));
    await until(() => t.inner.held.length === 2);
    t.inner.releaseAll();
    expect(await Promise.all(lookups)).toEqual([BOOK, COOK, BOOK]);
  });

  test("one caller aborting rejects only its own lookup; the others get the product", async () => {
    const t = setup();
    t.inner.hold = true;
    const impatient = new AbortController();
    const first = t.catalog.getProduct(BOOK.sku, impatient.signal);
    const others = [t.catalog.getProduct(BOOK.sku, aSignal()), t.catalog.getProduct(BOOK.sku, aSignal())];
    await until(() => t.stats.misses === 3 && t.inner.held.length === 1);

    const reason = new Error("client went away");
    impatient.abort(reason);
    await expect(first).rejects.toBe(reason);
    expect(t.inner.held[0]?.signal.aborted).toBe(false);

    t.inner.releaseAll();
    expect(await Promise.all(others)).toEqual([BOOK, BOOK]);
    expect(t.inner.aborted).toBe(0);
    expect(await t.cache.get(BOOK.sku)).toEqual(BOOK);
  });

  test("when every caller aborts, the shared products call is cancelled", async () => {
    const t = setup();
    t.inner.hold = true;
    const callers = [new AbortController(), new AbortController()];
    const lookups = callers.map((c) => t.catalog.getProduct(BOOK.sku, c.signal));
    await until(() => t.stats.misses === 2 && t.inner.held.length === 1);
    for (const c of callers) c.abort(new Error("gone"));
    const gone = { status: "rejected", reason: { message: "gone" } };
    expect(await Promise.allSettled(lookups)).toMatchObject([gone, gone]);
    await until(() => t.inner.aborted === 1);
    expect(await t.cache.get(BOOK.sku)).toBeUndefined();
  });
});
