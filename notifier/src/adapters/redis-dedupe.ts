import type { RedisClient } from "@route256/platform/redis/connect";
import { DEFAULT_DEDUPE_TTL_SECONDS, type DedupeStore } from "../service/ports.ts";

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
