import type { Catalog } from "../catalog/catalog.ts";
import type { Product } from "../catalog/product.ts";
import { ProductNotFoundError } from "./errors.ts";

export function getProduct(catalog: Catalog, sku: bigint): Product {
  const product = catalog.find(sku);
  if (!product) throw new ProductNotFoundError(sku);
  return product;
}
