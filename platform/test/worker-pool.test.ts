import { describe, expect, test } from "bun:test";
import { until } from "@route256/testkit/helpers";
import { mapPool } from "../src/concurrency/worker-pool.ts";

describe("mapPool", () => {
  test("returns results in input order whatever order the calls finish in", async () => {
    const gates = [
      Promise.withResolvers<void>(),
      Promise.withResolvers<void>(),
      Promise.withResolvers<void>(),
    ];
    const run = mapPool([0, 1, 2], 3, async (i) => {
      await gates[i]?.promise;
      return i * 10;
    });
    gates[2]?.resolve();
    gates[0]?.resolve();
    gates[1]?.resolve();
    expect(await run).toEqual([0, 10, 20]);
  });

  test("never runs more than `limit` calls at once, and uses all of them", async () => {
    let active = 0;
    let peak = 0;
    const gates = Array.from({ length: 10 }, () => Promise.withResolvers<void>());
    const run = mapPool(gates, 3, async (gate) => {
      active++;
      peak = Math.max(peak, active);
      await gate.promise;
      active--;
      return true;
    });
    await until(() => active === 3);
    for (const g of gates) {
      g.resolve();
      await Bun.sleep(0);
    }
    expect(await run).toHaveLength(10);
    expect(peak).toBe(3);
  });

  test("the first error rejects the pool and aborts the signal every call got", async () => {
    const signals: AbortSignal[] = [];
    const boom = new Error("first");
    const blocked = Promise.withResolvers<void>();
    const run = mapPool([0, 1, 2], 3, async (i, signal) => {
      signals.push(signal);
      if (i === 1) throw boom;
      await new Promise<void>((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error("aborted"))),
      );
      await blocked.promise;
    });
    await expect(run).rejects.toBe(boom); // not the "aborted" echoes of the other calls
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(signals[0]?.reason).toBe(boom);
  });

  test("after an error no further items are started", async () => {
    const started: number[] = [];
    const run = mapPool([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) throw new Error("stop");
      await Bun.sleep(0);
      return i;
    });
    await expect(run).rejects.toThrow("stop");
    expect(started.length).toBeLessThan(6);
    expect(started).not.toContain(5);
  });

  test("settles only after every started call has finished, even ones ignoring the abort", async () => {
    const slow = Promise.withResolvers<void>();
    let slowFinished = false;
    let slowSignal: AbortSignal | undefined;
    const run = mapPool([0, 1], 2, async (i, signal) => {
      if (i === 0) throw new Error("fast failure");
      slowSignal = signal;
      await slow.promise; // ignores the signal on purpose
      slowFinished = true;
    });
    let settled = false;
    run.catch(() => {
      settled = true;
    });
    await until(() => slowSignal?.aborted === true); // the pool has taken the failure in
    expect(settled).toBe(false); // guarantee 4: no work left running after it returns
    slow.resolve();
    await expect(run).rejects.toThrow("fast failure");
    expect(slowFinished).toBe(true);
  });

  test("the caller's signal cancels the calls and rejects with its reason", async () => {
    const parent = new AbortController();
    const seen: AbortSignal[] = [];
    const run = mapPool(
      [0, 1],
      2,
      (_, signal) => {
        seen.push(signal);
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
      parent.signal,
    );
    await until(() => seen.length === 2);
    parent.abort(new Error("client went away"));
    await expect(run).rejects.toThrow("client went away");
    expect(seen.every((s) => s.aborted)).toBe(true);
  });

  test("an already aborted signal starts nothing", async () => {
    const parent = new AbortController();
    parent.abort(new Error("too late"));
    let calls = 0;
    await expect(mapPool([1], 1, async () => ++calls, parent.signal)).rejects.toThrow("too late");
    expect(calls).toBe(0);
  });

  test("empty input resolves to an empty list; a bad limit is refused", async () => {
    expect(await mapPool([], 4, async () => 1)).toEqual([]);
    await expect(mapPool([1], 0, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapPool([1], 1.5, async () => 1)).rejects.toThrow(RangeError);
  });
});
