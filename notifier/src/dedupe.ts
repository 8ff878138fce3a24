import type { RedisClient } from "./redis.ts";

/** Remembers which events were handled, for a while: long enough to outlive any redelivery. */
export interface DedupeStore {
  /**
   * True exactly once per event id within the TTL: the caller that gets true owns the side effect.
   * Rejects when the store cannot answer (the caller decides what that means).
   */
  firstTime(eventId: string): Promise<boolean>;
}

export const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;

/**
 * Shared by every notifier instance, so a redelivery to another instance after a rebalance is still
 * recognised. One atomic `SET key 1 NX EX ttl` per event: whoever sets the key first prints.
 */
export class RedisDedupeStore implements DedupeStore {
  constructor(
    private readonly client: Pick<RedisClient, "set">,
    private readonly ttlSeconds = DEFAULT_DEDUPE_TTL_SECONDS,
    private readonly keyPrefix = "notifier:event:",
  ) {}

  async firstTime(eventId: string): Promise<boolean> {
    const reply = await this.client.set(`${this.keyPrefix}${eventId}`, "1", {
      condition: "NX",
      expiration: { type: "EX", value: this.ttlSeconds },
    });
    return reply === "OK";
  }
}

/**
 * One process only (the embedded mode, unit tests). Expiry times are kept in insertion order, and
 * with one TTL for all that is also expiry order: expired ids are swept from the front, so memory
 * stays bounded by the events of one TTL.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly expiresAt = new Map<string, number>();

  constructor(
    private readonly ttlSeconds = DEFAULT_DEDUPE_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async firstTime(eventId: string): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    if (this.expiresAt.has(eventId)) return false;
    this.expiresAt.set(eventId, now + this.ttlSeconds * 1000);
    return true;
  }

  /** Ids remembered now (expired ones are dropped on the next call). */
  get size(): number {
    return this.expiresAt.size;
  }

  private sweep(now: number): void {
    for (const [id, expiry] of this.expiresAt) {
      if (expiry > now) return;
      this.expiresAt.delete(id);
    }
  }
}
