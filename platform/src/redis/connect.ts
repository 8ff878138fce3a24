import { createClient } from "redis";
import { within } from "../concurrency/within.ts";
import type { Logger } from "../logger.ts";

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnectOptions {
  /** Bounds every command (node-redis' per-command timeout); unset: a command waits for its answer. */
  commandTimeoutMs?: number;
  /**
   * Start-up waits at most this long for Redis, then goes on without it (logged) while the client
   * keeps connecting in the background: for a service to which Redis is an aid, not a need. Unset:
   * start-up waits for the connection and fails when it fails.
   */
  waitMs?: number;
}

/**
 * The services' one way to connect to Redis. The client fails fast while disconnected
 * (disableOfflineQueue): node-redis would otherwise queue commands until it reconnects, and every
 * request would hang instead of answering 503 (cart) or going on without dedupe (notifier). It keeps
 * reconnecting in the background and logs connection errors as warnings.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  opts: RedisConnectOptions = {},
): Promise<RedisClient> {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    ...(opts.commandTimeoutMs === undefined ? {} : { commandOptions: { timeout: opts.commandTimeoutMs } }),
  });
  client.on("error", (err) => logger.warn({ err: String(err) }, "redis connection error"));
  if (opts.waitMs === undefined) {
    await client.connect();
    return client;
  }
  const connected = client.connect().then(
    () => true,
    () => false, // given up (closed meanwhile): the errors were logged above
  );
  const inTime = await within(opts.waitMs, connected, "redis connect").catch(() => false);
  if (!inTime) logger.warn({ url }, "redis not reachable yet: going on without it until it is");
  return client;
}

/** Closes the client: gracefully when connected, at once when it is still trying to connect. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}
