import { bySku } from "@route256/platform/compare";
import { DomainError } from "@route256/platform/errors/domain-error";
import type { RedisClient } from "@route256/platform/redis/connect";
import type { CartLine } from "../../domain/cart.ts";
import type { CartRepository } from "../../service/ports.ts";

// Check-and-add in one script: two concurrent adds cannot both pass the stock check.
const ADD_WITHIN_LIMIT = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local wanted = current + tonumber(ARGV[2])
if wanted > tonumber(ARGV[3]) then return {0, current} end
redis.call('HSET', KEYS[1], ARGV[1], wanted)
return {1, wanted}`;

// Takes ordered units out; a line at 0 or below disappears. ARGV = sku1, count1, sku2, count2, ...
const SUBTRACT = `
for i = 1, #ARGV, 2 do
  local left = redis.call('HINCRBY', KEYS[1], ARGV[i], -tonumber(ARGV[i + 1]))
  if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 0`;

/**
 * Carts in Redis: one hash per user (`<prefix>:<userId>`), field = sku, value = count. An empty
 * hash disappears by itself, so "no cart" and "empty cart" are the same state.
 */
export class RedisCartRepository implements CartRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = "cart",
  ) {}

  private key(userId: bigint): string {
    return `${this.prefix}:${userId}`;
  }

  /** A Redis failure is the store being unavailable (503), not a bug in cart (500). */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new DomainError(
        "unavailable",
        `cart store (redis) unavailable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async get(userId: bigint): Promise<CartLine[]> {
    const fields = await this.call(() => this.redis.hGetAll(this.key(userId)));
    return Object.entries(fields)
      .map(([sku, count]) => ({ sku: BigInt(sku), count: Number(count) }))
      .sort(bySku);
  }

  async addWithinLimit(userId: bigint, sku: bigint, count: number, limit: number) {
    const [added, now] = (await this.call(() =>
      this.redis.eval(ADD_WITHIN_LIMIT, {
        keys: [this.key(userId)],
        arguments: [String(sku), String(count), String(limit)],
      }),
    )) as [number, number];
    return { added: added === 1, count: Number(now) };
  }

  async remove(userId: bigint, sku: bigint): Promise<void> {
    await this.call(() => this.redis.hDel(this.key(userId), String(sku)));
  }

  async clear(userId: bigint): Promise<void> {
    await this.call(() => this.redis.del(this.key(userId)));
  }

  async subtract(userId: bigint, lines: readonly CartLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.call(() =>
      this.redis.eval(SUBTRACT, {
        keys: [this.key(userId)],
        arguments: lines.flatMap((l) => [String(l.sku), String(l.count)]),
      }),
    );
  }
}
