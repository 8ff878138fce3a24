import { describe, expect, test } from "bun:test";
import { MemoryCartRepository } from "../../src/adapters/memory/memory-carts.ts";
import { aLine } from "../support/builders.ts";

const U = 1n;

describe("MemoryCartRepository", () => {
  test("an unknown user has an empty cart", async () => {
    expect(await new MemoryCartRepository().get(U)).toEqual([]);
  });

  test("get returns the lines sorted by sku numerically", async () => {
    const repo = new MemoryCartRepository();
    for (const sku of [100n, 3n, 9223372036854775807n, 20n]) await repo.addWithinLimit(U, sku, 1, 10);
    expect((await repo.get(U)).map((l) => l.sku)).toEqual([3n, 20n, 100n, 9223372036854775807n]);
  });

  describe("addWithinLimit", () => {
    test("adds and reports the line's new count; counts add up to the limit inclusive", async () => {
      const repo = new MemoryCartRepository();
      expect(await repo.addWithinLimit(U, 1n, 2, 5)).toEqual({ added: true, count: 2 });
      expect(await repo.addWithinLimit(U, 1n, 3, 5)).toEqual({ added: true, count: 5 });
      expect(await repo.get(U)).toEqual([aLine(1n, 5)]);
    });

    test("refuses above the limit, reporting the unchanged count", async () => {
      const repo = new MemoryCartRepository();
      await repo.addWithinLimit(U, 1n, 4, 5);
      expect(await repo.addWithinLimit(U, 1n, 2, 5)).toEqual({ added: false, count: 4 });
      expect(await repo.get(U)).toEqual([aLine(1n, 4)]);
    });

    test("a refused first add creates neither a line nor a cart", async () => {
      const repo = new MemoryCartRepository();
      expect(await repo.addWithinLimit(U, 1n, 1, 0)).toEqual({ added: false, count: 0 });
      expect(await repo.get(U)).toEqual([]);
    });

    test("the limit applies per line, not to the whole cart", async () => {
      const repo = new MemoryCartRepository();
      await repo.addWithinLimit(U, 1n, 3, 3);
      expect(await repo.addWithinLimit(U, 2n, 3, 3)).toEqual({ added: true, count: 3 });
    });

    test("50 concurrent adds of 1 with limit 20: exactly 20 succeed", async () => {
      const repo = new MemoryCartRepository();
      const results = await Promise.all(Array.from({ length: 50 }, () => repo.addWithinLimit(U, 7n, 1, 20)));
      expect(results.filter((r) => r.added)).toHaveLength(20);
      expect(results.filter((r) => !r.added).every((r) => r.count === 20)).toBe(true);
      expect(await repo.get(U)).toEqual([aLine(7n, 20)]);
    });
  });

  describe("subtract", () => {
    test("takes units out; a line reaching 0 (or below) disappears; unknown skus are ignored", async () => {
      const repo = new MemoryCartRepository();
      await repo.addWithinLimit(U, 1n, 5, 100);
      await repo.addWithinLimit(U, 2n, 2, 100);
      await repo.addWithinLimit(U, 3n, 1, 100);
      await repo.subtract(U, [aLine(1n, 2), aLine(2n, 2), aLine(3n, 4), aLine(4n, 1)]);
      expect(await repo.get(U)).toEqual([aLine(1n, 3)]);
    });

    test("the cart disappears when its last line goes; an absent cart is fine", async () => {
      const repo = new MemoryCartRepository();
      await repo.addWithinLimit(U, 1n, 1, 100);
      await repo.subtract(U, [aLine(1n, 1)]);
      expect(await repo.get(U)).toEqual([]);
      await repo.subtract(U, [aLine(1n, 1)]);
      expect(await repo.addWithinLimit(U, 1n, 1, 100)).toEqual({ added: true, count: 1 });
    });
  });

  test("remove deletes one line; clear deletes the cart; both are idempotent and per user", async () => {
    const repo = new MemoryCartRepository();
    await repo.addWithinLimit(U, 1n, 1, 100);
    await repo.addWithinLimit(U, 2n, 1, 100);
    await repo.addWithinLimit(2n, 1n, 4, 100);

    await repo.remove(U, 1n);
    await repo.remove(U, 1n);
    await repo.remove(99n, 1n);
    expect(await repo.get(U)).toEqual([aLine(2n, 1)]);

    await repo.remove(U, 2n);
    expect(await repo.get(U)).toEqual([]);

    await repo.clear(2n);
    await repo.clear(2n);
    expect(await repo.get(2n)).toEqual([]);
  });

  test("get returns a snapshot: later changes do not alter it", async () => {
    const repo = new MemoryCartRepository();
    await repo.addWithinLimit(U, 1n, 1, 100);
    const before = await repo.get(U);
    await repo.addWithinLimit(U, 1n, 1, 100);
    expect(before).toEqual([aLine(1n, 1)]);
  });
});
