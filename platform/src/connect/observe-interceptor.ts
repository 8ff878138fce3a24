import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { RpcMetrics } from "../metrics.ts";
import { requestInfoKey } from "../server/request-info.ts";

/** Connect's wire name of a code: "invalid_argument", "not_found", ... */
export function codeName(code: Code): string {
  return Code[code].replace(/[a-z](?=[A-Z])/g, "$&_").toLowerCase();
}

/**
 * Counts every RPC and times it, labelled with the code the caller finally sees. It sits outermost
 * so that errors are already mapped when it reads the code; it also records that code on the
 * request so the HTTP access log line of a gRPC call (always HTTP 200) shows the real outcome.
 */
export function observeInterceptor(metrics: RpcMetrics): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    let code = "ok";
    try {
      return await next(req);
    } catch (err) {
      code = codeName(ConnectError.from(err).code);
      throw err;
    } finally {
      const labels = { service: req.service.typeName, method: req.method.name, code };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, (performance.now() - started) / 1000);
      const info = req.contextValues.get(requestInfoKey);
      if (info) info.rpcCode = code;
    }
  };
}
