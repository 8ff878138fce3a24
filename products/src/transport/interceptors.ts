import type { Interceptor } from "@connectrpc/connect";
import { abortableSleep } from "@route256/platform/concurrency/sleep";
import { checkToken, type RequestCap } from "../service/access.ts";

/** Counts the request against the server-side cap before doing any work for it. */
export function capInterceptor(cap: RequestCap): Interceptor {
  return (next) => (req) => {
    cap.admit();
    return next(req);
  };
}

/** Makes every answer at least `ms` late, like a slow remote service; gives up when the caller does. */
export function latencyInterceptor(ms: number): Interceptor {
  return (next) => async (req) => {
    await abortableSleep(ms, req.signal); // a caller already gone is not waited for
    return next(req);
  };
}

/** The token travels in the X-API-KEY header (gRPC metadata x-api-key), as with the course's service. */
export function authInterceptor(tokens: ReadonlySet<string>): Interceptor {
  return (next) => (req) => {
    checkToken(tokens, req.header.get("x-api-key"));
    return next(req);
  };
}
