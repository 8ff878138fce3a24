import type { Logger } from "@route256/platform/logger";
import type { RedisClient } from "@route256/platform/redis/connect";
import type { Product } from "../../domain/cart.ts";

/** Where looked-up products are kept for a while. Failures are the cache's problem, not the caller's. */
export interface ProductCache {
  get(sku: bigint): Promise<Product | undefined>;
  set(product: Product): Promise<void>;
}

/** In-process cache with a TTL (embedded mode, tests). */
export class MemoryProductCache implements ProductCache {
  private readonly entries = new Map<bigint, { product: Product; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(sku: bigint): Promise<Product | undefined> {
    const e = this.entries.get(sku);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(sku);
      return undefined;
    }
    return e.product;
  }

  async set(product: Product): Promise<void> {
    this.entries.set(product.sku, { product, expires: this.now() + this.ttlMs });
  }
}

/**
 * Products in Redis under `<prefix>:<sku>` as JSON, expiring after the TTL (shared by every cart
 * instance). A Redis failure reads as a miss and skips the write: the products service stays the
 * source of truth, and a cache outage costs latency, never errors.
 */
export class RedisProductCache implements ProductCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly prefix = "product",
  ) {}

  async get(sku: bigint): Promise<Product | undefined> {
    try {
      const raw = await this.redis.get(`${this.prefix}:${sku}`);
      if (raw === null) return undefined;
      const p = JSON.parse(raw) as { name: string; price: number };
      return { sku, name: p.name, price: p.price };
    } catch (err) {
      this.logger.warn({ err, sku: String(sku) }, "product cache read failed; treating as a miss");
      return undefined;
    }
  }

  async set(product: Product): Promise<void> {
    try {
      const value = JSON.stringify({ name: product.name, price: product.price });
      await this.redis.set(`${this.prefix}:${product.sku}`, value, { PX: this.ttlMs });
    } catch (err) {
      this.logger.warn({ err, sku: String(product.sku) }, "product cache write failed");
    }
  }
}
