import type { CartDeps } from "./ports.ts";

/** Empties a cart; clearing an empty one succeeds. */
export async function clearCart(deps: Pick<CartDeps, "carts">, userId: bigint): Promise<void> {
  await deps.carts.clear(userId);
}
