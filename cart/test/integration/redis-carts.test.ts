import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { RedisClient } from "@route256/platform/redis/connect";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { RedisCartRepository } from "../../src/adapters/redis/redis-carts.ts";
import { aLine } from "../support/builders.ts";
import { closeRedis, connectRedis } from "../support/redis.ts";

const U = 42n;
const BIG = 9223372036854775807n;

let server: TestRedis;
let client: RedisClient;
let otherClient: RedisClient;
let repo: RedisCartRepository;

beforeAll(async () => {
  server = await startRedis();
  client = (await connectRedis(server.url)).client;
  otherClient = (await connectRedis(server.url)).client;
});

afterAll(async () => {
  await closeRedis(client);
  await closeRedis(otherClient);
  await server.stop();
});

beforeEach(async () => {
  await client.flushAll();
  repo = new RedisCartRepository(client);
});

describe("RedisCartRepository", () => {
  test("an unknown user has an empty cart and no key", async () => {
    expect(await repo.get(U)).toEqual([]);
    expect(await client.exists(`cart:${U}`)).toBe(0);
  });

  test("a cart is one hash per user: field sku, value count", async () => {
    await repo.addWithinLimit(U, 1076963n, 3, 10);
    await repo.addWithinLimit(U, BIG, 1, 10);
    expect({ ...(await client.hGetAll(`cart:${U}`)) }).toEqual({ "1076963": "3", [String(BIG)]: "1" });
  });

  test("get returns lines sorted by sku numerically, int64 skus exact", async () => {
    for (const sku of [100n, BIG, 3n, 20n]) await repo.addWithinLimit(U, sku, 2, 10);
    expect(await repo.get(U)).toEqual([aLine(3n, 2), aLine(20n, 2), aLine(100n, 2), aLine(BIG, 2)]);
  });

  describe("addWithinLimit", () => {
    test("adds, counts add up, and the limit is inclusive", async () => {
      expect(await repo.addWithinLimit(U, 1n, 2, 5)).toEqual({ added: true, count: 2 });
      expect(await repo.addWithinLimit(U, 1n, 3, 5)).toEqual({ added: true, count: 5 });
      expect(await repo.get(U)).toEqual([aLine(1n, 5)]);
    });

    test("refuses above the limit and reports the unchanged count", async () => {
      await repo.addWithinLimit(U, 1n, 4, 5);
      expect(await repo.addWithinLimit(U, 1n, 2, 5)).toEqual({ added: false, count: 4 });
      expect(await repo.get(U)).toEqual([aLine(1n, 4)]);
    });

    test("a refused first add creates no key", async () => {
      expect(await repo.addWithinLimit(U, 1n, 3, 2)).toEqual({ added: false, count: 0 });
      expect(await client.exists(`cart:${U}`)).toBe(0);
    });

    test("50 concurrent adds of 1 with limit 20: exactly 20 succeed and 20 are stored", async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => repo.addWithinLimit(U, 7n, 1, 20)));
      expect(results.filter((r) => r.added)).toHaveLength(20);
      expect(results.filter((r) => !r.added).every((r) => r.count === 20)).toBe(true);
      expect(await client.hGet(`cart:${U}`, "7")).toBe("20");
      expect(await repo.get(U)).toEqual([aLine(7n, 20)]);
    });

    test("the limit holds across instances on separate connections", async () => {
      const other = new RedisCartRepository(otherClient);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? repo : other).addWithinLimit(U, 7n, 1, 15)),
      );
      expect(results.filter((r) => r.added)).toHaveLength(15);
      expect(await repo.get(U)).toEqual([aLine(7n, 15)]);
    });
  });

  describe("subtract", () => {
    test("takes units out; a line at 0 or below disappears; unknown skus leave nothing behind", async () => {
      await repo.addWithinLimit(U, 1n, 5, 100);
      await repo.addWithinLimit(U, 2n, 2, 100);
      await repo.addWithinLimit(U, 3n, 1, 100);
      await repo.subtract(U, [aLine(1n, 2), aLine(2n, 2), aLine(3n, 4), aLine(4n, 1)]);
      expect(await repo.get(U)).toEqual([aLine(1n, 3)]);
      expect(await client.hExists(`cart:${U}`, "4")).toBe(0);
    });

    test("the key disappears when the last line goes", async () => {
      await repo.addWithinLimit(U, 1n, 2, 100);
      await repo.subtract(U, [aLine(1n, 2)]);
      expect(await client.exists(`cart:${U}`)).toBe(0);
      expect(await repo.get(U)).toEqual([]);
    });

    test("subtracting from an absent cart leaves no key; no lines is a no-op", async () => {
      await repo.subtract(U, [aLine(1n, 2)]);
      expect(await client.exists(`cart:${U}`)).toBe(0);
      await repo.addWithinLimit(U, 1n, 2, 100);
      await repo.subtract(U, []);
      expect(await repo.get(U)).toEqual([aLine(1n, 2)]);
    });

    test("units added after the order stay", async () => {
      await repo.addWithinLimit(U, 1n, 3, 100);
      const ordered = await repo.get(U);
      await repo.addWithinLimit(U, 1n, 2, 100);
      await repo.subtract(U, ordered);
      expect(await repo.get(U)).toEqual([aLine(1n, 2)]);
    });
  });

  test("remove deletes one line, the key goes with the last one, and repeating is harmless", async () => {
    await repo.addWithinLimit(U, 1n, 1, 100);
    await repo.addWithinLimit(U, 2n, 1, 100);
    await repo.remove(U, 1n);
    await repo.remove(U, 1n);
    expect(await repo.get(U)).toEqual([aLine(2n, 1)]);
    await repo.remove(U, 2n);
    expect(await client.exists(`cart:${U}`)).toBe(0);
    await repo.remove(U, 2n);
    await repo.remove(999n, 1n);
  });

  test("clear deletes the user's cart only, and repeating is harmless", async () => {
    await repo.addWithinLimit(U, 1n, 1, 100);
    await repo.addWithinLimit(7n, 1n, 4, 100);
    await repo.clear(U);
    await repo.clear(U);
    expect(await client.exists(`cart:${U}`)).toBe(0);
    expect(await repo.get(7n)).toEqual([aLine(1n, 4)]);
  });

  test("two instances on two connections see the same carts", async () => {
    const other = new RedisCartRepository(otherClient);
    await repo.addWithinLimit(U, 1n, 2, 100);
    await other.addWithinLimit(U, 1n, 1, 100);
    await other.addWithinLimit(U, 2n, 1, 100);
    expect(await repo.get(U)).toEqual([aLine(1n, 3), aLine(2n, 1)]);
    await repo.remove(U, 2n);
    expect(await other.get(U)).toEqual([aLine(1n, 3)]);
    await other.clear(U);
    expect(await repo.get(U)).toEqual([]);
  });

  test("a different prefix is a separate set of carts", async () => {
    const staging = new RedisCartRepository(client, "staging-cart");
    await staging.addWithinLimit(U, 1n, 1, 100);
    expect(await repo.get(U)).toEqual([]);
    expect(await client.exists(`staging-cart:${U}`)).toBe(1);
  });
});
