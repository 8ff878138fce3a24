// Background jobs on bun:test's fake timers: time moves only when a test advances it, so "three
// intervals passed" means three runs exactly, however slow or loaded the machine is.
import { afterEach, beforeEach, jest } from "bun:test";

/**
 * Lets everything already under way run until it waits on something outside itself (a test's gate,
 * the next timer). A job's run on the memory repositories is promise work only, and the runtime
 * drains every pending microtask, including the ones those schedule, before it calls a setImmediate
 * callback; fake timers leave setImmediate real (they fake setTimeout and setInterval, and
 * Bun.sleep never resolves under them, which is why nothing here sleeps).
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Puts every test of the calling file on fake timers (call it at the file's top level). Returns
 * `intervals(n)`: moves the timers on `n` intervals of `intervalMs`, letting the run each one
 * starts finish before the next.
 */
export function fakeJobTimers(intervalMs: number): { intervals(n: number): Promise<void> } {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  return {
    async intervals(n) {
      for (let i = 0; i < n; i++) {
        jest.advanceTimersByTime(intervalMs);
        await settle();
      }
    },
  };
}
