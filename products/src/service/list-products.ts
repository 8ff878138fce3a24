import type { Catalog } from "../catalog/catalog.ts";
import type { Product } from "../catalog/product.ts";

/** A page of the catalog in sku order; `count` is already validated (1..1000) by the contract. */
export function listProducts(catalog: Catalog, startAfterSku: bigint, count: number): Product[] {
  return catalog.listAfter(startAfterSku, count);
}
