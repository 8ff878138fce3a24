import { Code, ConnectError } from "@connectrpc/connect";

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
      await abortableSleep(opts.baseDelayMs * 2 ** n * (1 + Math.random() / 2), signal);
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(ConnectError.from(signal.reason, Code.Canceled));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal?.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
