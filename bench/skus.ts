// The SKUs the LOMS benchmarks order: the course's 16-SKU stock fixture, one of them hot.
import { STOCK_FIXTURE } from "../loms/src/adapters/memory/stock-fixture.ts";

export const BENCH_SKUS: readonly bigint[] = STOCK_FIXTURE.map((s) => s.sku);
/** The fixture's deepest stock: every "hot" order takes 1 unit of it. */
export const HOT_SKU = 139275865n;

/** Two different SKUs of the 16, drawn uniformly, in either order (LOMS must lock them in one order itself). */
export function spreadPair(): [bigint, bigint] {
  const n = BENCH_SKUS.length;
  const i = Math.floor(Math.random() * n);
  const j = (i + 1 + Math.floor(Math.random() * (n - 1))) % n;
  return [BENCH_SKUS[i] as bigint, BENCH_SKUS[j] as bigint];
}
