import { describe, expect, test } from "bun:test";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { withProductsToken } from "../../src/adapters/products/token.ts";
import { CartEmptyError, UnknownProductError } from "../../src/domain/errors.ts";
import { addItem } from "../../src/service/add-item.ts";
import { listCart } from "../../src/service/list-cart.ts";
import { aCartWorld, aProduct, aSignal, BOOK, COOK, DRESS, TALES, USER } from "../support/builders.ts";
import type { FakeProductCatalog } from "../support/fakes.ts";

function release(products: FakeProductCatalog, sku: bigint) {
  const call = products.held.find((c) => c.sku === sku);
  expect(call).toBeDefined();
  call?.release();
}

describe("listCart", () => {
  test("an empty cart is CartEmptyError (not_found) and asks products nothing", async () => {
    const w = aCartWorld();
    const err = await rejectionOf(listCart(w.deps, aSignal(), USER));
    expect(err).toBeInstanceOf(CartEmptyError);
    expect(err).toMatchObject({ kind: "not_found", userId: USER });
    expect(w.products.calls).toHaveLength(0);
  });

  test("items sorted by sku (numerically) with names, prices and counts; total = sum(price * count)", async () => {
    const w = aCartWorld().stock(100, BOOK, COOK, TALES, DRESS);
    const signal = aSignal();
    await addItem(w.deps, signal, USER, DRESS.sku, 1);
    await addItem(w.deps, signal, USER, TALES.sku, 2);
    await addItem(w.deps, signal, USER, BOOK.sku, 3);
    await addItem(w.deps, signal, USER, COOK.sku, 1);

    const view = await listCart(w.deps, signal, USER);

    expect(view.items).toEqual([
      { ...BOOK, count: 3 },
      { ...COOK, count: 1 },
      { ...TALES, count: 2 },
      { ...DRESS, count: 1 },
    ]);
    expect(view.totalPrice).toBe(3379 * 3 + 2931 + 1423 * 2 + 634);
  });

  test("every lookup carries the caller's token", async () => {
    const w = aCartWorld().stock(100, BOOK, COOK);
    await w.carts.addWithinLimit(USER, BOOK.sku, 1, 100);
    await w.carts.addWithinLimit(USER, COOK.sku, 1, 100);
    await withProductsToken("user-token", () => listCart(w.deps, aSignal(), USER));
    expect(w.products.calls.map((c) => c.token)).toEqual(["user-token", "user-token"]);
  });

  test("products are fetched with at most listConcurrency calls at once, each sku once", async () => {
    const limit = 3;
    const items = Array.from({ length: 12 }, () => aProduct());
    const w = aCartWorld({ listConcurrency: limit }).stock(10, ...items);
    for (const p of items) await w.carts.addWithinLimit(USER, p.sku, 1, 10);
    w.products.hold = true;

    const listing = listCart(w.deps, aSignal(), USER);
    for (let done = 0; done < items.length; done++) {
      await until(() => w.products.held.length === Math.min(limit, items.length - done));
      expect(w.products.active).toBeLessThanOrEqual(limit);
      w.products.releaseNext();
    }
    const view = await listing;

    expect(w.products.peak).toBe(limit);
    expect(w.products.calls.map((c) => c.sku).sort()).toEqual(items.map((p) => p.sku).sort());
    expect(view.items.map((i) => i.sku)).toEqual(items.map((p) => p.sku));
  });

  test("a product that became unknown is UnknownProductError", async () => {
    const w = aCartWorld().stock(10, BOOK, COOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 1);
    await addItem(w.deps, aSignal(), USER, COOK.sku, 1);
    w.products.delete(COOK.sku);

    const err = await rejectionOf(listCart(w.deps, aSignal(), USER));

    expect(err).toBeInstanceOf(UnknownProductError);
    expect(err).toMatchObject({ kind: "failed_precondition", sku: COOK.sku });
  });

  test("a failing lookup rejects the listing, aborts the lookups in flight and starts no more", async () => {
    const items = Array.from({ length: 5 }, () => aProduct());
    const w = aCartWorld({ listConcurrency: 3 }).stock(10, ...items);
    for (const p of items) await w.carts.addWithinLimit(USER, p.sku, 1, 10);
    const failing = items[1]!;
    const boom = new Error("products exploded");
    w.products.failWith(failing.sku, boom);
    w.products.hold = true;

    const listing = listCart(w.deps, aSignal(), USER);
    await until(() => w.products.held.length === 3);
    release(w.products, failing.sku);

    await expect(listing).rejects.toBe(boom);
    expect(w.products.aborted).toBe(2);
    expect(w.products.held).toHaveLength(0);
    expect(w.products.calls).toHaveLength(3);
    for (const call of w.products.calls) expect(call.signal.aborted).toBe(true);
  });

  test("the caller's signal aborting cancels the lookups and rejects with its reason", async () => {
    const w = aCartWorld({ listConcurrency: 10 }).stock(10, BOOK, COOK);
    await w.carts.addWithinLimit(USER, BOOK.sku, 1, 10);
    await w.carts.addWithinLimit(USER, COOK.sku, 1, 10);
    w.products.hold = true;
    const caller = new AbortController();

    const listing = listCart(w.deps, caller.signal, USER);
    await until(() => w.products.held.length === 2);
    const reason = new Error("client went away");
    caller.abort(reason);

    await expect(listing).rejects.toBe(reason);
    expect(w.products.aborted).toBe(2);
    for (const call of w.products.calls) expect(call.signal.aborted).toBe(true);
  });

  test("an already aborted caller makes no lookups", async () => {
    const w = aCartWorld().stock(10, BOOK);
    await w.carts.addWithinLimit(USER, BOOK.sku, 1, 10);
    const caller = new AbortController();
    const reason = new Error("gone");
    caller.abort(reason);
    await expect(listCart(w.deps, caller.signal, USER)).rejects.toBe(reason);
    expect(w.products.calls).toHaveLength(0);
  });
});
