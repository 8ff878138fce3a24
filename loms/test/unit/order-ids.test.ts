import { describe, expect, test } from "bun:test";
import { OrderIdBlocks } from "../../src/adapters/postgres/order-ids.ts";

/** A sequence with increment `size` whose nextval returns `values` in turn. */
function sequence(size: bigint, values: bigint[]) {
  const calls = { n: 0 };
  const allocate = async () => {
    const last = values[calls.n++];
    if (last === undefined) throw new Error("sequence exhausted");
    return { last, size };
  };
  return { allocate, calls };
}

describe("OrderIdBlocks", () => {
  test("hands out a block's values in order, with the shard as last digit, then takes the next block", async () => {
    const seq = sequence(3n, [12n, 30n]);
    const ids = new OrderIdBlocks(1, seq.allocate);
    const got: bigint[] = [];
    for (let i = 0; i < 5; i++) got.push(await ids.take());
    expect(got).toEqual([101n, 111n, 121n, 281n, 291n]);
    expect(seq.calls.n).toBe(2);
  });

  test("a fresh sequence's first nextval (its start, 1) is a block of just 1: never an id below 1", async () => {
    const seq = sequence(64n, [1n, 65n]);
    const ids = new OrderIdBlocks(0, seq.allocate);
    expect(await ids.take()).toBe(10n);
    expect(await ids.take()).toBe(20n);
    expect(await ids.take()).toBe(30n);
  });

  test("concurrent takes share one nextval per block and never get the same id", async () => {
    const seq = sequence(4n, [4n, 8n, 12n]);
    const ids = new OrderIdBlocks(0, seq.allocate);
    const got = await Promise.all(Array.from({ length: 10 }, () => ids.take()));
    expect(new Set(got).size).toBe(10);
    expect(got.sort((a, b) => Number(a - b))).toEqual([10n, 20n, 30n, 40n, 50n, 60n, 70n, 80n, 90n, 100n]);
    expect(seq.calls.n).toBe(3);
  });

  test("a failed nextval fails the waiting takes; the next take tries again", async () => {
    let fail = true;
    const ids = new OrderIdBlocks(1, async () => {
      if (fail) throw new Error("shard 1 is down");
      return { last: 64n, size: 64n };
    });
    const failed = await Promise.allSettled([ids.take(), ids.take()]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await ids.take()).toBe(11n);
  });
});
