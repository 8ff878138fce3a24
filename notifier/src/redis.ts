import type { Logger } from "@route256/platform";
import { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The notifier's Redis client (the dedupe store). It fails fast while disconnected and bounds every
 * command: node-redis would otherwise queue commands until it reconnects, and the consumer would
 * stall on its first event instead of printing it without dedupe. It keeps reconnecting in the
 * background.
 */
export async function connectNotifierRedis(
  url: string,
  logger: Logger,
  commandTimeoutMs = 1_000,
): Promise<RedisClient> {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
  });
  client.on("error", (err) => logger.warn({ err: String(err) }, "redis connection error"));
  await client.connect();
  return client;
}
