import type { RedisClient } from "@route256/platform/redis/connect";
import { createClient, type RedisClientOptions } from "redis";

/**
 * A connected client for a test Redis. Connection errors are collected, not thrown: tests that kill
 * the server expect them.
 */
export async function connectRedis(url: string, options: Omit<RedisClientOptions, "url"> = {}) {
  const errors: unknown[] = [];
  const client: RedisClient = createClient({ ...options, url }) as RedisClient;
  client.on("error", (err) => errors.push(err));
  await client.connect();
  return { client, errors };
}

/** Closes a client whether or not its server is still there. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) await client.close();
  else client.destroy();
}
