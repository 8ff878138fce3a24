import { describe, expect, test } from "bun:test";
import { clearCart } from "../../src/service/clear-cart.ts";
import { deleteItem } from "../../src/service/delete-item.ts";
import { aCartWorld, aLine, BOOK, COOK, USER } from "../support/builders.ts";

async function filledWorld() {
  const w = aCartWorld();
  await w.carts.addWithinLimit(USER, BOOK.sku, 2, 100);
  await w.carts.addWithinLimit(USER, COOK.sku, 1, 100);
  await w.carts.addWithinLimit(7n, BOOK.sku, 5, 100);
  return w;
}

describe("deleteItem", () => {
  test("removes the whole line of that sku, and only it", async () => {
    const w = await filledWorld();
    await deleteItem(w.deps, USER, BOOK.sku);
    expect(await w.carts.get(USER)).toEqual([aLine(COOK.sku, 1)]);
    expect(await w.carts.get(7n)).toEqual([aLine(BOOK.sku, 5)]);
  });

  test("is idempotent: deleting twice, an absent sku or from an absent cart succeeds", async () => {
    const w = await filledWorld();
    await deleteItem(w.deps, USER, BOOK.sku);
    await deleteItem(w.deps, USER, BOOK.sku);
    await deleteItem(w.deps, USER, 999999n);
    await deleteItem(w.deps, 1234n, BOOK.sku);
    expect(await w.carts.get(USER)).toEqual([aLine(COOK.sku, 1)]);
    expect(await w.carts.get(1234n)).toEqual([]);
  });
});

describe("clearCart", () => {
  test("empties the user's cart and leaves the others", async () => {
    const w = await filledWorld();
    await clearCart(w.deps, USER);
    expect(await w.carts.get(USER)).toEqual([]);
    expect(await w.carts.get(7n)).toEqual([aLine(BOOK.sku, 5)]);
  });

  test("is idempotent: clearing an empty or unknown cart succeeds", async () => {
    const w = await filledWorld();
    await clearCart(w.deps, USER);
    await clearCart(w.deps, USER);
    await clearCart(w.deps, 1234n);
    expect(await w.carts.get(USER)).toEqual([]);
  });
});
