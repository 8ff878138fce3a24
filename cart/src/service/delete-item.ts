import type { CartDeps } from "./ports.ts";

/** Removes a product from a cart; removing one that is not there succeeds. */
export async function deleteItem(deps: Pick<CartDeps, "carts">, userId: bigint, sku: bigint): Promise<void> {
  await deps.carts.remove(userId, sku);
}
