import { StockNotFoundError } from "../domain/errors.ts";
import type { LomsDeps } from "./ports.ts";

/** Units of the sku that can be bought now. */
export async function stocksInfo(deps: Pick<LomsDeps, "stocks">, sku: bigint): Promise<number> {
  const available = await deps.stocks.available(sku);
  if (available === undefined) throw new StockNotFoundError(sku);
  return available;
}
