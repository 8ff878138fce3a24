import { Code, ConnectError } from "@connectrpc/connect";
import { abortableSleep } from "./sleep.ts";

export interface RetryOptions {
  /** Retries after the first attempt (SPEC: at most 3). */
  retries: number;
  /** First backoff; it doubles each time, with up to 50% random jitter added. */
  baseDelayMs: number;
  /** Codes worth another try; by default: the server was busy or briefly away. */
  retryOn?: readonly Code[];
}

const DEFAULT_RETRY_ON = [Code.ResourceExhausted, Code.Unavailable];

/**
 * Runs `attempt` until it succeeds, fails with a code not worth retrying, or runs out of retries,
 * backing off exponentially in between. The backoff is abortable: a caller that gives up stops the
 * retries too (rejecting with Code.Canceled).
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  opts: RetryOptions,
  signal?: AbortSignal,
): Promise<T> {
  const retryOn = new Set(opts.retryOn ?? DEFAULT_RETRY_ON);
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= opts.retries || !retryOn.has(ConnectError.from(err).code) || signal?.aborted) throw err;
      const backoff = opts.baseDelayMs * 2 ** n * (1 + Math.random() / 2);
      await abortableSleep(backoff, signal).catch((reason) => {
        throw ConnectError.from(reason, Code.Canceled);
      });
    }
  }
}
