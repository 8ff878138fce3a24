import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { connectRedis as connectAppRedis, type RedisClient } from "@route256/platform/redis/connect";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { RedisProductCache } from "../../src/adapters/products/product-cache.ts";
import { BOOK } from "../support/builders.ts";
import { closeRedis, connectRedis } from "../support/redis.ts";

/** Log lines the cache writes, to check it reports the outage it hides. */
const logged: string[] = [];
const logger = createLogger("test", "warn", { write: (line: string) => void logged.push(line) });

let server: TestRedis;
/** Fails fast while disconnected (no offline queue). */
let failFast: RedisClient;
/** Configured as cart/src/app.ts configures its client: createClient({ url }) and nothing else. */
let asInApp: RedisClient;

beforeAll(async () => {
  server = await startRedis();
  failFast = (await connectRedis(server.url, { disableOfflineQueue: true })).client;
  asInApp = await connectAppRedis(server.url, logger);
  await new RedisProductCache(failFast, 60_000, logger).set(BOOK);
  await server.kill();
});

afterAll(async () => {
  await closeRedis(failFast);
  await closeRedis(asInApp);
  await server.stop();
});

describe("RedisProductCache while Redis is down", () => {
  test("get is a miss and set does not throw; both are logged as warnings", async () => {
    const cache = new RedisProductCache(failFast, 60_000, logger);
    expect(await cache.get(BOOK.sku)).toBeUndefined();
    await cache.set(BOOK);
    logger.flush();
    const messages = logged.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(messages).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "product cache read failed; treating as a miss" }),
    );
    expect(messages).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "product cache write failed" }),
    );
  });

  // RedisProductCache relies on the client failing while Redis is away: the client cart's app.ts
  // uses (connectAppRedis) must not queue commands until a reconnect. The 3 s bound only keeps a
  // regression from hanging the suite.
  test("with the client configured as in app.ts, get still answers (a miss)", async () => {
    const cache = new RedisProductCache(asInApp, 60_000, logger);
    const hung = Symbol("no answer within 3 s");
    const answer = await Promise.race([cache.get(BOOK.sku), Bun.sleep(3_000).then(() => hung)]);
    expect(answer).toBeUndefined();
  });
});
