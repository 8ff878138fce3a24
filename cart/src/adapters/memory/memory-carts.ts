import { bySku } from "@route256/platform/compare";
import type { CartLine } from "../../domain/cart.ts";
import type { CartRepository } from "../../service/ports.ts";

/** Carts in process memory (embedded mode, unit tests). Each method is atomic: no await inside. */
export class MemoryCartRepository implements CartRepository {
  private readonly carts = new Map<bigint, Map<bigint, number>>();

  async get(userId: bigint): Promise<CartLine[]> {
    const cart = this.carts.get(userId);
    return cart ? [...cart].map(([sku, count]) => ({ sku, count })).sort(bySku) : [];
  }

  async addWithinLimit(userId: bigint, sku: bigint, count: number, limit: number) {
    const cart = this.carts.get(userId) ?? new Map<bigint, number>();
    const current = cart.get(sku) ?? 0;
    if (current + count > limit) return { added: false, count: current };
    cart.set(sku, current + count);
    this.carts.set(userId, cart);
    return { added: true, count: current + count };
  }

  async remove(userId: bigint, sku: bigint): Promise<void> {
    const cart = this.carts.get(userId);
    cart?.delete(sku);
    if (cart?.size === 0) this.carts.delete(userId);
  }

  async clear(userId: bigint): Promise<void> {
    this.carts.delete(userId);
  }

  async subtract(userId: bigint, lines: readonly CartLine[]): Promise<void> {
    const cart = this.carts.get(userId);
    if (!cart) return;
    for (const { sku, count } of lines) {
      const left = (cart.get(sku) ?? 0) - count;
      if (left > 0) cart.set(sku, left);
      else cart.delete(sku);
    }
    if (cart.size === 0) this.carts.delete(userId);
  }
}
