import { mapPool } from "@route256/platform/concurrency/worker-pool";
import type { CartView } from "../domain/cart.ts";
import { CartEmptyError, UnknownProductError } from "../domain/errors.ts";
import type { CartDeps } from "./ports.ts";

/**
 * The cart with names and prices, sorted by sku. Products are fetched concurrently through the
 * bounded worker pool (platform/src/concurrency/worker-pool.ts): the first failure cancels the
 * other lookups, and so does the caller going away.
 */
export async function listCart(deps: CartDeps, callerSignal: AbortSignal, userId: bigint): Promise<CartView> {
  const lines = await deps.carts.get(userId);
  if (lines.length === 0) throw new CartEmptyError(userId);
  const items = await mapPool(
    lines,
    deps.listConcurrency,
    async (line, signal) => {
      const product = await deps.products.getProduct(line.sku, signal);
      if (!product) throw new UnknownProductError(line.sku);
      return { sku: line.sku, name: product.name, price: product.price, count: line.count };
    },
    callerSignal,
  );
  const totalPrice = items.reduce((sum, item) => sum + item.price * item.count, 0);
  return { items, totalPrice };
}
