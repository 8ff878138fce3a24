import { SingleFlight } from "@route256/platform/concurrency/single-flight";
import type { Product } from "../../domain/cart.ts";
import type { ProductCatalog } from "../../service/ports.ts";
import type { ProductCache } from "./product-cache.ts";
import { productsToken } from "./token.ts";

export interface CacheStats {
  onHit?(): void;
  onMiss?(): void;
}

/**
 * A ProductCatalog in front of another: cached products are answered at once; concurrent misses of
 * the same sku (and token) share one call to products (single-flight), which then fills the cache.
 * "Not found" is not cached: a product added to the catalog shows up on the next call.
 */
export class CachedProductCatalog implements ProductCatalog {
  private readonly flight = new SingleFlight<string, Product | undefined>();

  constructor(
    private readonly inner: ProductCatalog,
    private readonly cache: ProductCache,
    private readonly stats: CacheStats = {},
  ) {}

  async getProduct(sku: bigint, callerSignal: AbortSignal): Promise<Product | undefined> {
    const cached = await this.cache.get(sku);
    if (cached) {
      this.stats.onHit?.();
      return cached;
    }
    this.stats.onMiss?.();
    // The token is part of the key: one caller's bad token must not fail another's lookup.
    return this.flight.do(
      `${sku}:${productsToken() ?? ""}`,
      async (signal) => {
        const product = await this.inner.getProduct(sku, signal);
        if (product) await this.cache.set(product);
        return product;
      },
      callerSignal,
    );
  }
}
