import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { within } from "../../src/concurrency/within.ts";

// The fake clock: a timeout is reached by advancing time, never by waiting for it.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const never = new Promise<never>(() => {});

describe("within", () => {
  test("the work's value when it settles in time; its rejection as it is", async () => {
    expect(await within(100, Promise.resolve(7), "x")).toBe(7);
    expect(await within(100, 7, "x")).toBe(7);
    await expect(within(100, Promise.reject(new Error("boom")), "x")).rejects.toThrow("boom");
  });

  test("a string reason: the error names the wait and the time", async () => {
    const late = within(250, never, "offset commit");
    jest.advanceTimersByTime(250);
    await expect(late).rejects.toThrow("offset commit did not finish within 250 ms");
  });

  test("a function reason: its error, for a protocol's own timeout", async () => {
    class Refused extends Error {}
    const late = within(10, never, () => new Refused("408"));
    jest.advanceTimersByTime(10);
    await expect(late).rejects.toBeInstanceOf(Refused);
  });

  test("not a moment early", async () => {
    let settled = false;
    within(100, never, "x").catch(() => {
      settled = true;
    });
    jest.advanceTimersByTime(99);
    await Promise.resolve();
    expect(settled).toBe(false);
  });

  test("work given as a function gets a signal that aborts with the timeout error", async () => {
    let seen: AbortSignal | undefined;
    const late = within(
      50,
      (signal) => {
        seen = signal;
        return never;
      },
      "command",
    );
    expect(seen?.aborted).toBe(false);
    jest.advanceTimersByTime(50);
    await expect(late).rejects.toThrow("command did not finish within 50 ms");
    expect(seen?.aborted).toBe(true);
    expect(String(seen?.reason)).toContain("command did not finish within 50 ms");
  });

  test("work that throws at once rejects, no timer left behind", async () => {
    await expect(
      within(
        50,
        () => {
          throw new Error("sync");
        },
        "x",
      ),
    ).rejects.toThrow("sync");
    expect(jest.getTimerCount()).toBe(0);
  });

  test("the timer is cleared as soon as the work settles: it never holds the process open", async () => {
    await within(60_000, Promise.resolve(1), "x");
    expect(jest.getTimerCount()).toBe(0);
  });

  test("a fallback instead of a failure: .catch", async () => {
    const late = within(5, never, "x").catch(() => false);
    jest.advanceTimersByTime(5);
    expect(await late).toBe(false);
  });
});
