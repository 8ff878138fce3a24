import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import type { RedisClient } from "@route256/platform/redis/connect";
import { eventually } from "@route256/testkit/helpers";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { RedisProductCache } from "../../src/adapters/products/product-cache.ts";
import type { Product } from "../../src/domain/cart.ts";
import { BOOK, COOK } from "../support/builders.ts";
import { closeRedis, connectRedis } from "../support/redis.ts";

const logger = createLogger("test", "silent");
const BIG: Product = { sku: 9223372036854775807n, name: "largest sku", price: 4294967295 };

let server: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  server = await startRedis();
  client = (await connectRedis(server.url)).client;
});

afterAll(async () => {
  await closeRedis(client);
  await server.stop();
});

beforeEach(async () => {
  await client.flushAll();
});

describe("RedisProductCache", () => {
  test("set then get returns the product; an unknown sku is a miss", async () => {
    const cache = new RedisProductCache(client, 60_000, logger);
    await cache.set(BOOK);
    await cache.set(BIG);
    expect(await cache.get(BOOK.sku)).toEqual(BOOK);
    expect(await cache.get(BIG.sku)).toEqual(BIG);
    expect(await cache.get(COOK.sku)).toBeUndefined();
  });

  test("stores JSON {name, price} under <prefix>:<sku> with the TTL", async () => {
    const cache = new RedisProductCache(client, 60_000, logger);
    await cache.set(BOOK);
    expect(JSON.parse((await client.get(`product:${BOOK.sku}`)) ?? "null")).toEqual({
      name: BOOK.name,
      price: BOOK.price,
    });
    const ttl = await client.pTTL(`product:${BOOK.sku}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test("an entry expires after its TTL", async () => {
    const cache = new RedisProductCache(client, 50, logger);
    await cache.set(COOK);
    await eventually("Redis expired the entry", async () => (await cache.get(COOK.sku)) === undefined);
    expect(await client.exists(`product:${COOK.sku}`)).toBe(0);
  });

  test("setting again replaces the entry", async () => {
    const cache = new RedisProductCache(client, 60_000, logger);
    await cache.set(BOOK);
    await cache.set({ ...BOOK, price: 1 });
    expect(await cache.get(BOOK.sku)).toEqual({ ...BOOK, price: 1 });
  });

  test("a different prefix is a separate cache", async () => {
    const a = new RedisProductCache(client, 60_000, logger, "a");
    const b = new RedisProductCache(client, 60_000, logger, "b");
    await a.set(BOOK);
    expect(await b.get(BOOK.sku)).toBeUndefined();
    expect(await client.exists(`a:${BOOK.sku}`)).toBe(1);
  });

  test("an unreadable entry is a miss, not an error", async () => {
    const cache = new RedisProductCache(client, 60_000, logger);
    await client.set(`product:${BOOK.sku}`, "{not json");
    expect(await cache.get(BOOK.sku)).toBeUndefined();
  });
});
