import type { Interceptor } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { Logger } from "../logger.ts";
import type { RpcMetrics } from "../metrics.ts";
import { serverTraceInterceptor } from "../tracing/connect.ts";
import { errorInterceptor } from "./error-interceptor.ts";
import { observeInterceptor } from "./observe-interceptor.ts";

/**
 * The server-side chain, outermost first:
 *   0. trace    — the RPC's span, continuing the caller's trace, around everything else
 *   1. observe  — metrics and the final code (must see errors after mapping)
 *   2. errors   — domain errors and bugs → ConnectError
 *   3. validate — protovalidate rules from the .proto files → invalid_argument naming the field,
 *                 before any handler runs, so bad input changes nothing
 * `extra` interceptors (auth, latency injection, ...) run innermost, after validation.
 */
export function serverInterceptors(
  logger: Logger,
  metrics: RpcMetrics,
  extra: Interceptor[] = [],
): Interceptor[] {
  return [
    serverTraceInterceptor(),
    observeInterceptor(metrics),
    errorInterceptor(logger),
    createValidateInterceptor(),
    ...extra,
  ];
}
