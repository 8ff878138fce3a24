import { describe, expect, test } from "bun:test";
import { MAX_SHARDS, shardOfOrder } from "../../src/adapters/postgres/sharding.ts";

describe("shardOfOrder", () => {
  test("an id names the same shard however many shards there are: growing 2 → 3 → 10 moves no order", () => {
    // ids as shards 0 and 1 mint them (sequence * 10 + shard), up to the int8 limit
    const minted = [10n, 11n, 31n, 1_000_000_000_000_000_001n, 9_223_372_036_854_775_800n];
    for (const id of minted) {
      const before = shardOfOrder(id, 2);
      expect(before).toBe(Number(id % 10n));
      for (let count = 3; count <= MAX_SHARDS; count++) expect(shardOfOrder(id, count)).toBe(before);
    }
  });

  test("ids of shards that are not (yet) configured, and non-positive ids, name none", () => {
    expect(shardOfOrder(12n, 2)).toBeUndefined();
    expect(shardOfOrder(12n, 3)).toBe(2);
    expect(shardOfOrder(19n, MAX_SHARDS)).toBe(9);
    expect(shardOfOrder(0n, 3)).toBeUndefined();
    expect(shardOfOrder(-11n, 3)).toBeUndefined();
  });
});

describe("ShardedOrderRepository", () => {
  test("refuses more shards than an id can name", async () => {
    const { ShardedOrderRepository } = await import("../../src/adapters/postgres/sharded-orders.ts");
    type Shard = ConstructorParameters<typeof ShardedOrderRepository>[0][number];
    const shards = (n: number) => Array.from({ length: n }, () => ({}) as Shard);
    expect(() => new ShardedOrderRepository(shards(MAX_SHARDS + 1))).toThrow("at most 10 order shards");
    expect(() => new ShardedOrderRepository(shards(MAX_SHARDS))).not.toThrow();
  });
});
