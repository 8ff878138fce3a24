import { InvalidTokenError, TooManyRequestsError } from "./errors.ts";

/** Accepts a request only with one of the configured tokens. */
export function checkToken(tokens: ReadonlySet<string>, token: string | null): void {
  if (token === null || !tokens.has(token)) throw new InvalidTokenError();
}

/**
 * A strict cap: at most `limit` accepted requests in ANY 1-second window (not per calendar second,
 * which would let 2×limit through around a boundary). It remembers the times of the last `limit`
 * accepted requests in a ring; a request is accepted when the oldest of them is at least 1 s old.
 * Rejected requests are not remembered. Tests rely on this to prove cart's limiter works.
 */
export class RequestCap {
  private readonly accepted: number[];
  private next = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.accepted = new Array(limit).fill(Number.NEGATIVE_INFINITY);
  }

  admit(): void {
    const t = this.now();
    if (t - (this.accepted[this.next] as number) < 1000) throw new TooManyRequestsError(this.limit);
    this.accepted[this.next] = t;
    this.next = (this.next + 1) % this.limit;
  }
}
