import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { RpcMetrics } from "../metrics.ts";
import { requestInfoKey } from "../request-info.ts";

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
      code = codeToString(ConnectError.from(err).code); // the wire name: "not_found", ...
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
