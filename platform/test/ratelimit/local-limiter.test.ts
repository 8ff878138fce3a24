import { beforeEach, describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { rejectionOf } from "@route256/testkit/helpers";
import { DEFAULT_SPACING_FACTOR, type RateLimiter, spacingMs } from "../../src/ratelimit/limiter.ts";
import { createLocalLimiter } from "../../src/ratelimit/local-limiter.ts";
import { FakeTime } from "./fake-time.ts";

let time: FakeTime;
let limiter: RateLimiter;
let observed: [number, string][];

beforeEach(() => {
  time = new FakeTime();
  observed = [];
  limiter = createLocalLimiter({
    rps: 10,
    now: time.now,
    wallNow: time.now,
    sleep: time.sleep,
    onWait: (ms, source) => observed.push([ms, source]),
  });
});

describe("spacing", () => {
  test("the default spacing is 1000/rps × 1.05", () => {
    expect(DEFAULT_SPACING_FACTOR).toBe(1.05);
    expect(spacingMs(10)).toBeCloseTo(105, 9);
    expect(spacingMs(10, 1.2)).toBeCloseTo(120, 9);
  });

  test("ten acquires at t=0 wait 0, 105, 210, … 945 ms — evenly spaced, no burst", async () => {
    const pending = Array.from({ length: 10 }, () => limiter.acquire());
    // The schedule is fixed when they ask; one fake sleep per waiting caller.
    expect(time.sleeps.map((ms) => Math.round(ms * 1000) / 1000)).toEqual([
      105, 210, 315, 420, 525, 630, 735, 840, 945,
    ]);
    time.advance(944);
    expect(time.sleeping).toBe(1);
    time.advance(1);
    const waits = (await Promise.all(pending)).map((r) => r.waitedMs);
    waits.forEach((w, i) => {
      expect(w).toBeCloseTo(i * 105, 9);
    });
    expect(observed.every(([, source]) => source === "local")).toBe(true);
    expect(observed.map(([ms]) => Math.round(ms))).toEqual(waits.map(Math.round));
  });

  test("a caller arriving mid-interval waits only for the rest of it", async () => {
    await limiter.acquire();
    time.advance(50);
    const p = limiter.acquire();
    expect(time.sleeps).toEqual([55]);
    time.advance(55);
    expect((await p).waitedMs).toBe(55);
  });

  test("an idle gap leaves no credit: after a pause turns are spaced again from the first", async () => {
    const first = Array.from({ length: 10 }, () => limiter.acquire());
    time.advance(1000);
    await Promise.all(first);
    time.advance(5000); // long idle
    time.sleeps.length = 0;
    const again = Array.from({ length: 3 }, () => limiter.acquire());
    expect(time.sleeps.map(Math.round)).toEqual([105, 210]); // the first goes at once, no burst after
    time.advance(210);
    expect((await Promise.all(again)).map((r) => Math.round(r.waitedMs))).toEqual([0, 105, 210]);
  });

  test("rejects a rate or spacing that cannot keep the promise", () => {
    expect(() => createLocalLimiter({ rps: 0 })).toThrow(RangeError);
    expect(() => createLocalLimiter({ rps: Number.NaN })).toThrow(RangeError);
    expect(() => createLocalLimiter({ rps: 10, spacingFactor: 0.9 })).toThrow(RangeError);
  });
});

describe("deadline", () => {
  test("a turn after the deadline is refused at once with DeadlineExceeded and takes no turn", async () => {
    const queued = [limiter.acquire(), limiter.acquire(), limiter.acquire()]; // 0, 105, 210
    const err = await rejectionOf(limiter.acquire({ deadline: time.t + 300 })); // its turn: 315
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(time.sleeps.length).toBe(2); // it never slept
    const next = limiter.acquire();
    expect(Math.round(time.sleeps.at(-1)!)).toBe(315); // 315 is still free
    time.advance(315);
    await Promise.all([...queued, next]);
  });

  test("a deadline exactly at the turn is accepted; an expired one is refused even when free", async () => {
    await limiter.acquire();
    const onTime = limiter.acquire({ deadline: time.t + 105 });
    time.advance(105);
    expect((await onTime).waitedMs).toBe(105);
    time.advance(1000);
    const err = await rejectionOf(limiter.acquire({ deadline: time.t - 1 }));
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect((await limiter.acquire()).waitedMs).toBe(0); // the refused call took nothing
  });
});

describe("cancellation", () => {
  test("an aborted wait rejects with the signal's reason, and the last turn is given back", async () => {
    await limiter.acquire(); // turn at 0
    const queued = limiter.acquire(); // 105
    const abort = new AbortController();
    const cancelled = limiter.acquire({ signal: abort.signal }); // 210
    const reason = new Error("caller went away");
    abort.abort(reason);
    await expect(cancelled).rejects.toBe(reason);
    const next = limiter.acquire(); // takes 210, not 315
    expect(time.sleeps.map(Math.round)).toEqual([105, 210, 210]);
    time.advance(210);
    expect(Math.round((await next).waitedMs)).toBe(210);
    await queued;
  });

  test("a turn cancelled in the middle is handed to the next caller", async () => {
    await limiter.acquire(); // 0
    const abort = new AbortController();
    const cancelled = limiter.acquire({ signal: abort.signal }); // 105
    const behind = limiter.acquire(); // 210
    abort.abort();
    expect(((await rejectionOf(cancelled)) as Error).name).toBe("AbortError");
    const filler = limiter.acquire(); // takes the hole at 105
    const after = limiter.acquire(); // 315: 210 is still taken
    expect(time.sleeps.map(Math.round)).toEqual([105, 210, 105, 315]);
    time.advance(315);
    expect((await Promise.all([filler, behind, after])).map((r) => Math.round(r.waitedMs))).toEqual([
      105, 210, 315,
    ]);
  });

  test("given-back turns chain: cancelling the middle then the last frees both", async () => {
    await limiter.acquire(); // 0
    const a = new AbortController();
    const b = new AbortController();
    const middle = limiter.acquire({ signal: a.signal }); // 105
    const last = limiter.acquire({ signal: b.signal }); // 210
    a.abort();
    b.abort();
    await rejectionOf(middle);
    await rejectionOf(last);
    const next = limiter.acquire();
    const then = limiter.acquire();
    expect(time.sleeps.slice(2).map(Math.round)).toEqual([105, 210]);
    time.advance(210);
    await Promise.all([next, then]);
  });

  test("a hole that has passed is not reused: it would come too close to the next turn", async () => {
    await limiter.acquire(); // 0
    const abort = new AbortController();
    const cancelled = limiter.acquire({ signal: abort.signal }); // 105
    const kept = limiter.acquire(); // 210
    abort.abort();
    await rejectionOf(cancelled);
    time.advance(150); // the hole at 105 is past; 210 is 60 ms ahead
    const next = limiter.acquire();
    expect(Math.round(time.sleeps.at(-1)!)).toBe(165); // 315 − 150
    time.advance(165);
    await Promise.all([kept, next]);
  });

  test("an already aborted signal rejects before taking a turn", async () => {
    const reason = new Error("too late");
    await expect(limiter.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect((await limiter.acquire()).waitedMs).toBe(0);
  });
});
