import { NotEnoughStockError, UnknownProductError } from "../domain/errors.ts";
import type { CartDeps } from "./ports.ts";

/**
 * Adds units of a product to a cart. The product must exist (products), and the cart's count after
 * the add must not exceed what LOMS can sell now; the check and the add are one atomic step in the
 * repository, so concurrent adds cannot overshoot. LOMS stock itself is never touched.
 */
export async function addItem(
  deps: CartDeps,
  signal: AbortSignal,
  userId: bigint,
  sku: bigint,
  count: number,
): Promise<void> {
  const [product, available] = await Promise.all([
    deps.products.getProduct(sku, signal),
    deps.stocks.available(sku, signal),
  ]);
  if (!product) throw new UnknownProductError(sku);
  const result = await deps.carts.addWithinLimit(userId, sku, count, available);
  if (!result.added) throw new NotEnoughStockError(sku, result.count + count, available);
}
