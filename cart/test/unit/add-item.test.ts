import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { withProductsToken } from "../../src/adapters/products/token.ts";
import { NotEnoughStockError, UnknownProductError } from "../../src/domain/errors.ts";
import { addItem } from "../../src/service/add-item.ts";
import { aCartWorld, aLine, aProduct, aSignal, BOOK, COOK, USER } from "../support/builders.ts";

describe("addItem", () => {
  test("adds a known product in stock to the cart", async () => {
    const w = aCartWorld().stock(10, BOOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 3);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 3)]);
  });

  test("counts of the same sku add up", async () => {
    const w = aCartWorld().stock(10, BOOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 2);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 3);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 5)]);
  });

  test("looks the product and its stock up with the caller's signal and products token", async () => {
    const w = aCartWorld().stock(10, BOOK);
    const signal = aSignal();
    await withProductsToken("user-token", () => addItem(w.deps, signal, USER, BOOK.sku, 1));
    expect(w.products.calls).toEqual([{ sku: BOOK.sku, signal, token: "user-token" }]);
    expect(w.stocks.calls).toEqual([{ sku: BOOK.sku, signal, token: "user-token" }]);
  });

  test("an unknown product is UnknownProductError (failed_precondition) and the cart stays as it was", async () => {
    const w = aCartWorld().stock(10, BOOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 1);
    const missing = aProduct();
    w.stocks.set(missing.sku, 10); // LOMS stocks it, products does not know it

    const err = await rejectionOf(addItem(w.deps, aSignal(), USER, missing.sku, 1));

    expect(err).toBeInstanceOf(UnknownProductError);
    expect(err).toMatchObject({ kind: "failed_precondition", sku: missing.sku });
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 1)]);
  });

  test("a product call that fails for another reason propagates as is, never as UnknownProductError", async () => {
    const w = aCartWorld().stock(10, BOOK);
    const outage = new Error("products unavailable");
    w.products.failWith(BOOK.sku, outage);
    await expect(addItem(w.deps, aSignal(), USER, BOOK.sku, 1)).rejects.toBe(outage);
    expect(await w.carts.get(USER)).toEqual([]);
  });

  test("the cart count after the add may reach LOMS availability exactly", async () => {
    const w = aCartWorld().stock(5, BOOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 3);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 2);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 5)]);
  });

  test("existing + new count above availability is NotEnoughStockError and the cart is unchanged", async () => {
    const w = aCartWorld().stock(5, BOOK, COOK);
    await addItem(w.deps, aSignal(), USER, BOOK.sku, 3);
    await addItem(w.deps, aSignal(), USER, COOK.sku, 1);

    const err = await rejectionOf(addItem(w.deps, aSignal(), USER, BOOK.sku, 3));

    expect(err).toBeInstanceOf(NotEnoughStockError);
    expect(err).toMatchObject({ kind: "failed_precondition", sku: BOOK.sku, wanted: 6, available: 5 });
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 3), aLine(COOK.sku, 1)]);
  });

  test("a first add above availability creates no line", async () => {
    const w = aCartWorld().stock(2, BOOK);
    const err = await rejectionOf(addItem(w.deps, aSignal(), USER, BOOK.sku, 3));
    expect(err).toMatchObject({ wanted: 3, available: 2 });
    expect(await w.carts.get(USER)).toEqual([]);
  });

  test("a product LOMS does not stock has availability 0", async () => {
    const w = aCartWorld();
    w.products.add(BOOK); // known to products, absent from LOMS
    const err = await rejectionOf(addItem(w.deps, aSignal(), USER, BOOK.sku, 1));
    expect(err).toBeInstanceOf(NotEnoughStockError);
    expect(err).toMatchObject({ sku: BOOK.sku, wanted: 1, available: 0 });
    expect(await w.carts.get(USER)).toEqual([]);
  });

  test("concurrent adds cannot overshoot availability", async () => {
    const w = aCartWorld().stock(10, BOOK);
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => addItem(w.deps, aSignal(), USER, BOOK.sku, 1)),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(NotEnoughStockError);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 10)]);
  });

  test("carts of different users are independent, each limited on its own", async () => {
    const w = aCartWorld().stock(4, BOOK);
    await addItem(w.deps, aSignal(), 1n, BOOK.sku, 4);
    await addItem(w.deps, aSignal(), 2n, BOOK.sku, 4);
    expect(await w.carts.get(1n)).toEqual([aLine(BOOK.sku, 4)]);
    expect(await w.carts.get(2n)).toEqual([aLine(BOOK.sku, 4)]);
  });
});
