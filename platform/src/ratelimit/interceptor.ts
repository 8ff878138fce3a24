import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { RateLimiter } from "./limiter.ts";

const grpcUnitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * The call's timeout in ms, read from the request headers. Connect's requests carry no timeout
 * field for interceptors, but its transports have already written the caller's `timeoutMs` into the
 * protocol header by then: `connect-timeout-ms: <ms>` (Connect) or `grpc-timeout: <n><unit>` (gRPC,
 * gRPC-Web). Undefined when the call has no timeout.
 */
export function timeoutMsOf(header: Headers): number | undefined {
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect)) return Number(connect);
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get("grpc-timeout") ?? "");
  if (grpc) return Number(grpc[1]) * grpcUnitMs[grpc[2]!]!;
  return undefined;
}

/**
 * Client interceptor: every call waits for a turn of `limiter` before it goes out. The deadline
 * comes from the call's timeout so a turn the caller could not use is refused at once
 * (DeadlineExceeded) instead of waited for; the call's signal cancels the wait (Canceled, or
 * DeadlineExceeded when Connect's own timer aborted it).
 *
 * Put it last in the client's interceptor list (innermost, next to the network), so that every
 * request actually sent — retries included — takes a turn.
 */
export function rateLimitInterceptor(limiter: RateLimiter): Interceptor {
  return (next) => async (req) => {
    const timeoutMs = timeoutMsOf(req.header);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    try {
      await limiter.acquire({ signal: req.signal, deadline });
    } catch (err) {
      // ConnectErrors (the limiter's DeadlineExceeded, Connect's timeout reason) pass through; an
      // abort reason such as a DOMException AbortError or a caller's own Error becomes Canceled.
      throw ConnectError.from(err, Code.Canceled);
    }
    return next(req);
  };
}
