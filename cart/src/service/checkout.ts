import { CartEmptyError, CheckoutRejectedError } from "../domain/errors.ts";
import type { CartDeps } from "./ports.ts";

/**
 * Turns the cart into a LOMS order. On success exactly the ordered units leave the cart (an item
 * added while checkout ran stays); when LOMS cannot reserve the stock the cart is kept as it is.
 */
export async function checkout(deps: CartDeps, signal: AbortSignal, userId: bigint): Promise<bigint> {
  const lines = await deps.carts.get(userId);
  if (lines.length === 0) throw new CartEmptyError(userId);
  const outcome = await deps.orders.create(userId, lines, signal);
  if (!outcome.ok) throw new CheckoutRejectedError(userId, outcome.reason);
  await deps.carts.subtract(userId, lines);
  return outcome.orderId;
}
