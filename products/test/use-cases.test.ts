import { describe, expect, test } from "bun:test";
import { Catalog } from "../src/catalog/catalog.ts";
import { ProductNotFoundError } from "../src/service/errors.ts";
import { getProduct } from "../src/service/get-product.ts";
import { listProducts } from "../src/service/list-products.ts";

const catalog = new Catalog([
  { sku: 5n, name: "five", price: 50 },
  { sku: 7n, name: "seven", price: 70 },
]);

describe("getProduct", () => {
  test("returns the product", () => {
    expect(getProduct(catalog, 7n)).toEqual({ sku: 7n, name: "seven", price: 70 });
  });

  test("an unknown sku is not_found with the course's message", () => {
    expect(() => getProduct(catalog, 6n)).toThrow(ProductNotFoundError);
    const err = new ProductNotFoundError(6n);
    expect(err.kind).toBe("not_found");
    expect(err.message).toBe("nothing found by the sku");
  });
});

describe("listProducts", () => {
  test("pages after the given sku", () => {
    expect(listProducts(catalog, 0n, 1).map((p) => p.sku)).toEqual([5n]);
    expect(listProducts(catalog, 5n, 10).map((p) => p.sku)).toEqual([7n]);
  });
});
