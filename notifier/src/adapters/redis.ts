import { abortableSleep } from "@route256/platform/concurrency/sleep";
import type { Logger } from "@route256/platform/logger";
import { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The notifier's Redis client (the dedupe store). It fails fast while disconnected and bounds every
 * command: node-redis would otherwise queue commands until it reconnects, and the consumer would
 * stall on its first event instead of printing it without dedupe. It keeps reconnecting in the
 * background.
 *
 * Start-up waits for Redis only a little (`waitMs`), then goes on without it: Redis is an aid
 * against duplicate lines, not a reason to print nothing — the same choice as during an outage.
 */
export async function connectNotifierRedis(
  url: string,
  logger: Logger,
  opts: { commandTimeoutMs?: number; waitMs?: number } = {},
): Promise<RedisClient> {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: opts.commandTimeoutMs ?? 1_000 },
  });
  client.on("error", (err) => logger.warn({ err: String(err) }, "redis connection error"));
  const connected = client.connect().then(
    () => true,
    () => false, // given up (closed meanwhile): the errors were logged above
  );
  const inTime = await Promise.race([connected, abortableSleep(opts.waitMs ?? 5_000).then(() => false)]);
  if (!inTime) logger.warn({ url }, "redis not reachable yet: printing without dedupe until it is");
  return client;
}

/** Closes the client: gracefully when connected, at once when it is still trying to connect. */
export async function closeNotifierRedis(client: RedisClient): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}
