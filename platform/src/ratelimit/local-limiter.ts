import {
  type AcquireOptions,
  type AcquireResult,
  deadlineExceeded,
  type OnWait,
  type RateLimiter,
  realSleep,
  type Sleep,
  spacingMs,
} from "./limiter.ts";

export interface LocalLimiterOptions {
  rps: number;
  /** Turns are 1000/rps × spacingFactor ms apart (limiter.ts says why it is above 1). */
  spacingFactor?: number;
  /** Monotonic clock for the schedule (ms). Default performance.now: a wall-clock jump must not stall callers. */
  now?: () => number;
  /** Wall clock the deadlines are written in (epoch ms). Default Date.now. */
  wallNow?: () => number;
  sleep?: Sleep;
  /**
   * Observes granted turns. Leave it out when this limiter is the fallback of a Redis limiter:
   * that one reports the fallback's turns itself (as "local"), so they would be counted twice.
   */
  onWait?: OnWait;
}

/**
 * The in-process limiter, also the fallback when Redis is away. Virtual scheduling (GCRA with a
 * burst of 1): `tat` is the time the next free turn starts; a caller takes max(tat, now) and
 * pushes tat one interval further, then sleeps until its turn. Turns are thus evenly spaced, an idle
 * period leaves no credit behind (no burst after a pause), and every caller knows its turn the
 * moment it asks — which is what makes deadline refusal exact.
 *
 * Cancellation gives the turn back so the others lose nothing: the last turn handed out is undone by
 * moving tat back; a turn in the middle of the queue becomes a hole that the next caller takes
 * before any new turn (waiters already asleep keep their turns; only newcomers move up).
 */
export function createLocalLimiter(opts: LocalLimiterOptions): RateLimiter {
  const interval = spacingMs(opts.rps, opts.spacingFactor);
  const now = opts.now ?? (() => performance.now());
  const wallNow = opts.wallNow ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  let tat = Number.NEGATIVE_INFINITY;
  // Turns given back by cancelled waiters, ascending. All lie before tat and are spaced at least one
  // interval from every other turn, so any of them can be handed out again while still in the future.
  const holes: number[] = [];

  function giveBack(slot: number): void {
    if (slot + interval === tat) {
      tat = slot;
      // Holes just before the new end are free too; the same arithmetic made them, so === is exact.
      while (holes.length > 0 && holes[holes.length - 1]! + interval === tat) tat = holes.pop()!;
      return;
    }
    let i = holes.length;
    while (i > 0 && holes[i - 1]! > slot) i--;
    holes.splice(i, 0, slot);
  }

  return {
    async acquire({ signal, deadline }: AcquireOptions = {}): Promise<AcquireResult> {
      signal?.throwIfAborted();
      const t = now();
      // A hole in the past is gone: using it now would come closer than one interval to the next turn.
      while (holes.length > 0 && holes[0]! < t) holes.shift();
      const fromHole = holes.length > 0;
      const slot = fromHole ? holes[0]! : Math.max(tat, t);
      const wait = slot - t;
      if (deadline !== undefined) {
        const left = deadline - wallNow();
        if (wait > left) throw deadlineExceeded(wait, left);
      }
      if (fromHole) holes.shift();
      else tat = slot + interval;
      if (wait > 0) {
        try {
          await sleep(wait, signal);
        } catch (err) {
          giveBack(slot);
          throw err;
        }
      }
      opts.onWait?.(wait, "local");
      return { waitedMs: wait };
    },
  };
}
