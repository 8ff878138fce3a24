import type { Logger } from "@route256/platform/logger";
import { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The Redis client cart uses for carts, the product cache and the shared limiter. It fails fast
 * while disconnected: node-redis would otherwise queue commands until it reconnects, and every
 * cart request would hang instead of answering 503 (or, for the cache, a miss). It keeps trying to
 * reconnect in the background.
 */
export async function connectCartRedis(url: string, logger: Logger): Promise<RedisClient> {
  const client: RedisClient = createClient({ url, disableOfflineQueue: true });
  client.on("error", (err) => logger.warn({ err: String(err) }, "redis connection error"));
  await client.connect();
  return client;
}
