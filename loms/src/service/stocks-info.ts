import { StockNotFoundError } from "../domain/errors.ts";
import { MAX_ITEM_COUNT } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

/**
 * Units of the sku that can be bought now. A stock row may hold more than the contract's uint32 can
 * say (total_count is a bigint): such a count reads as MAX_ITEM_COUNT, the most one order line can
 * ask for anyway, instead of failing every read of that sku.
 */
export async function stocksInfo(deps: Pick<LomsDeps, "stocks">, sku: bigint): Promise<number> {
  const available = await deps.stocks.available(sku);
  if (available === undefined) throw new StockNotFoundError(sku);
  return Math.min(available, MAX_ITEM_COUNT);
}
