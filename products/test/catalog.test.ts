import { describe, expect, test } from "bun:test";
import { Catalog } from "../src/catalog/catalog.ts";
import type { Product } from "../src/catalog/product.ts";
import { formatCatalog, parseCatalog } from "../src/catalog/tsv.ts";

const product = (sku: bigint): Product => ({ sku, name: `p${sku}`, price: Number(sku) });

describe("Catalog", () => {
  const catalog = new Catalog([product(30n), product(10n), product(20n)]);

  test("finds products by sku and misses absent ones", () => {
    expect(catalog.find(20n)?.name).toBe("p20");
    expect(catalog.find(15n)).toBeUndefined();
    expect(catalog.size).toBe(3);
  });

  test("pages in sku order, strictly after the given sku", () => {
    expect(catalog.listAfter(0n, 2).map((p) => p.sku)).toEqual([10n, 20n]);
    expect(catalog.listAfter(10n, 5).map((p) => p.sku)).toEqual([20n, 30n]);
    expect(catalog.listAfter(15n, 1).map((p) => p.sku)).toEqual([20n]);
    expect(catalog.listAfter(30n, 5)).toEqual([]);
  });
});

describe("catalog TSV", () => {
  test("round-trips products, names with separators included", () => {
    const products = [{ sku: 1076963n, name: "Теория нравственных чувств | Смит Адам", price: 3379 }];
    expect(parseCatalog(formatCatalog(products))).toEqual(products);
  });

  test("rejects a file without the header and lines without three columns", () => {
    expect(() => parseCatalog("1\tx\t2\n")).toThrow("header");
    expect(() => parseCatalog("sku\tname\tprice\n1\tx\n")).toThrow("line 2");
  });
});
