import { bySku } from "@route256/platform/compare";
import type { Product } from "./product.ts";

/**
 * The catalog in memory: a map for lookups and a sorted array for paging. Read-only after
 * construction, so concurrent requests need no coordination.
 */
export class Catalog {
  private readonly bySku = new Map<bigint, Product>();
  private readonly sorted: readonly Product[];

  constructor(products: readonly Product[]) {
    this.sorted = [...products].sort(bySku);
    for (const p of this.sorted) this.bySku.set(p.sku, p);
  }

  get size(): number {
    return this.sorted.length;
  }

  find(sku: bigint): Product | undefined {
    return this.bySku.get(sku);
  }

  /** Up to `count` products with sku > `afterSku`, ascending. */
  listAfter(afterSku: bigint, count: number): Product[] {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as Product).sku <= afterSku) lo = mid + 1;
      else hi = mid;
    }
    return this.sorted.slice(lo, lo + count);
  }
}
