import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { withProductsToken } from "../../src/adapters/products/token.ts";
import { CartEmptyError, CheckoutRejectedError } from "../../src/domain/errors.ts";
import { addItem } from "../../src/service/add-item.ts";
import { checkout } from "../../src/service/checkout.ts";
import { aCartWorld, aLine, aSignal, BOOK, COOK, TALES, USER } from "../support/builders.ts";

async function worldWithCart() {
  const w = aCartWorld().stock(10, BOOK, COOK, TALES);
  await addItem(w.deps, aSignal(), USER, COOK.sku, 1);
  await addItem(w.deps, aSignal(), USER, BOOK.sku, 3);
  return w;
}

describe("checkout", () => {
  test("an empty cart is CartEmptyError (not_found) and no order is created", async () => {
    const w = aCartWorld();
    const err = await rejectionOf(checkout(w.deps, aSignal(), USER));
    expect(err).toBeInstanceOf(CartEmptyError);
    expect(err).toMatchObject({ kind: "not_found" });
    expect(w.orders.calls).toHaveLength(0);
  });

  test("orders the cart's lines and returns the order id; the cart is then empty", async () => {
    const w = await worldWithCart();
    const orderId = await checkout(w.deps, aSignal(), USER);
    expect(orderId).toBe(1n);
    expect(w.orders.calls).toHaveLength(1);
    expect(w.orders.calls[0]).toMatchObject({
      userId: USER,
      lines: [aLine(BOOK.sku, 3), aLine(COOK.sku, 1)],
    });
    expect(await w.carts.get(USER)).toEqual([]);
  });

  test("only the ordered units leave the cart: items added while LOMS works stay", async () => {
    const w = await worldWithCart();
    w.orders.during = async () => {
      await addItem(w.deps, aSignal(), USER, BOOK.sku, 2);
      await addItem(w.deps, aSignal(), USER, TALES.sku, 1);
    };

    await checkout(w.deps, aSignal(), USER);

    expect(w.orders.calls[0]?.lines).toEqual([aLine(BOOK.sku, 3), aLine(COOK.sku, 1)]);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 2), aLine(TALES.sku, 1)]);
  });

  test("a LOMS rejection is CheckoutRejectedError (failed_precondition) and the cart is kept", async () => {
    const w = await worldWithCart();
    w.orders.reject("not enough stock for sku 1076963");

    const err = await rejectionOf(checkout(w.deps, aSignal(), USER));

    expect(err).toBeInstanceOf(CheckoutRejectedError);
    expect(err).toMatchObject({ kind: "failed_precondition", userId: USER });
    expect((err as Error).message).toContain("not enough stock for sku 1076963");
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 3), aLine(COOK.sku, 1)]);
  });

  test("a failing order service propagates its error and the cart is kept", async () => {
    const w = await worldWithCart();
    const outage = new Error("LOMS unavailable");
    w.orders.during = async () => {
      throw outage;
    };
    await expect(checkout(w.deps, aSignal(), USER)).rejects.toBe(outage);
    expect(await w.carts.get(USER)).toEqual([aLine(BOOK.sku, 3), aLine(COOK.sku, 1)]);
  });

  test("the caller's signal and products token reach the order service", async () => {
    const w = await worldWithCart();
    const signal = aSignal();
    await withProductsToken("user-token", () => checkout(w.deps, signal, USER));
    expect(w.orders.calls[0]).toMatchObject({ signal, token: "user-token" });
  });

  test("a second checkout after success finds the cart empty", async () => {
    const w = await worldWithCart();
    await checkout(w.deps, aSignal(), USER);
    await expect(checkout(w.deps, aSignal(), USER)).rejects.toBeInstanceOf(CartEmptyError);
  });
});
