import type { Interceptor } from "@connectrpc/connect";
import { isUnexpected, toConnectError } from "../errors/codes.ts";
import type { Logger } from "../logger.ts";
import { requestInfoKey } from "../request-info.ts";

/**
 * Maps whatever a handler throws to a ConnectError (errors/codes.ts holds the table). Expected
 * outcomes stay quiet; a bug is logged with its stack and the request id, and the caller only sees
 * "internal error".
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      if (isUnexpected(err)) {
        const info = req.contextValues.get(requestInfoKey);
        if (info) info.errorLogged = true;
        // In-process calls from REST handlers carry the id as a header rather than a context value.
        const requestId = info?.id ?? req.header.get("x-request-id");
        logger.error({ err, requestId, rpc: req.url }, "unexpected error in RPC handler");
      }
      throw toConnectError(err);
    }
  };
}
