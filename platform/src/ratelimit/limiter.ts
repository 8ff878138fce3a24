import { Code, ConnectError } from "@connectrpc/connect";
import { abortableSleep } from "../concurrency/sleep.ts";

export interface AcquireOptions {
  /** Stops the wait: acquire rejects with the signal's reason and (where it can) gives the turn back. */
  signal?: AbortSignal;
  /**
   * Epoch ms (Date.now() clock) after which the call is useless. When the turn would come later,
   * acquire fails at once with DeadlineExceeded and takes no turn: waiting would only burn a slot
   * another caller could use.
   */
  deadline?: number;
}

export interface AcquireResult {
  /** How long the caller was held before its turn (ms). */
  waitedMs: number;
}

/**
 * Hands out turns at a fixed rate. It never refuses for being busy — callers wait for their turn
 * (the SPEC says the products limiter "makes callers wait, it never fails them with 429"); the only
 * failures are the caller's own deadline (ConnectError DeadlineExceeded) and cancellation (the
 * signal's reason).
 */
export interface RateLimiter {
  acquire(opts?: AcquireOptions): Promise<AcquireResult>;
}

/** Where a turn came from: the shared limiter in Redis, or the in-process one. */
export type WaitSource = "redis" | "local";

/** Observes every granted turn, e.g. to feed a histogram (kept free of prom-client on purpose). */
export type OnWait = (ms: number, source: WaitSource) => void;

/** Abortable sleep: resolves after `ms`, rejects with the signal's reason when it aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Turns are spaced a little wider than 1000/rps: whoever counts requests per second downstream sees
 * them after network jitter, and with exactly 100 ms spacing two calls jittered ±1 ms apart could
 * put 11 in one second. At 1.05 and 10 rps, 11 calls span 1050 ms, so it takes more than 50 ms of
 * jitter between the first and the eleventh to break the cap.
 */
export const DEFAULT_SPACING_FACTOR = 1.05;

/** Milliseconds between two turns. */
export function spacingMs(rps: number, spacingFactor = DEFAULT_SPACING_FACTOR): number {
  if (!Number.isFinite(rps) || rps <= 0) throw new RangeError(`rate limiter: rps must be > 0, got ${rps}`);
  // Below 1 the limiter would hand out more than `rps` turns per second.
  if (!Number.isFinite(spacingFactor) || spacingFactor < 1)
    throw new RangeError(`rate limiter: spacingFactor must be >= 1, got ${spacingFactor}`);
  return (1000 / rps) * spacingFactor;
}

export function deadlineExceeded(waitMs: number, leftMs: number): ConnectError {
  const left = Math.max(0, Math.round(leftMs));
  return new ConnectError(
    `rate limit: the next turn is in ${Math.round(waitMs)} ms but the deadline is in ${left} ms`,
    Code.DeadlineExceeded,
  );
}

/** The sleep the limiters use unless a test injects a fake one. */
export const realSleep: Sleep = abortableSleep;
