import { describe, expect, test } from "bun:test";
import { loadCatalog } from "../src/app.ts";
import {
  ABSENT_SKUS,
  CATALOG_SIZE,
  generateCatalog,
  KNOWN_PRODUCTS,
  STOCK_SKUS,
} from "../src/catalog/generate.ts";
import { formatCatalog } from "../src/catalog/tsv.ts";

describe("the shipped catalog (products/data/catalog.tsv)", async () => {
  const catalog = await loadCatalog();

  test("is exactly what the generator produces (no hand edits, not stale)", async () => {
    const file = await Bun.file(new URL("../data/catalog.tsv", import.meta.url)).text();
    expect(file === formatCatalog(generateCatalog(CATALOG_SIZE))).toBe(true);
  });

  test("has about 50,000 products", () => {
    expect(catalog.size).toBe(50_000);
  });

  test("holds the known products exactly", () => {
    for (const known of KNOWN_PRODUCTS) expect(catalog.find(known.sku)).toEqual(known);
  });

  test("has a product for every SKU of LOMS's stock fixture", () => {
    for (const sku of STOCK_SKUS) expect(catalog.find(sku)).toBeDefined();
  });

  test("has none of the SKUs tests use as unknown", () => {
    for (const sku of ABSENT_SKUS) expect(catalog.find(sku)).toBeUndefined();
  });

  test("prices are positive whole numbers and names are non-empty", () => {
    for (const p of catalog.listAfter(0n, 1000)) {
      expect(Number.isInteger(p.price) && p.price > 0).toBe(true);
      expect(p.name.length).toBeGreaterThan(0);
    }
  });
});
