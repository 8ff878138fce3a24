import type { Sleep } from "../../src/ratelimit/limiter.ts";

/**
 * A clock that only moves when the test says so, and a sleep that follows it: a sleeper resolves
 * when `advance` passes its wake-up time, or rejects with the signal's reason when it aborts.
 */
export class FakeTime {
  t = 0;
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];
  private sleepers: { wakeAt: number; resolve: () => void }[] = [];

  readonly now = (): number => this.t;

  readonly sleep: Sleep = (ms, signal) => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper = { wakeAt: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  };

  /** Moves the clock and wakes every sleeper that is due. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.wakeAt <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.t);
    for (const s of due) s.resolve();
  }

  get sleeping(): number {
    return this.sleepers.length;
  }
}
