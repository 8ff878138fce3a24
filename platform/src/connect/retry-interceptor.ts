import type { Interceptor } from "@connectrpc/connect";
import { type RetryOptions, withRetry } from "../concurrency/retry.ts";

/**
 * Client interceptor: retries a unary call that failed with a transient code (withRetry). Put it
 * OUTSIDE a rate limiter in the chain, so every retry waits for a new slot.
 */
export function retryInterceptor(opts: RetryOptions): Interceptor {
  return (next) => (req) => withRetry(() => next(req), opts, req.signal);
}
