import { randomUUID } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

/** What the server knows about one incoming HTTP request, whatever protocol it turns out to be. */
export interface RequestInfo {
  /** From the caller's x-request-id when it sent a sane one, else a new UUID; echoed back. */
  readonly id: string;
  /** The TCP peer address. */
  readonly clientAddress: string;
  /** Set by the RPC interceptor when the request was an RPC: the final Connect code. */
  rpcCode?: string;
  /**
   * Set by the trace interceptor when the request was an RPC: its span, for the access log line,
   * which is written after the response — outside the span, where logs cannot see it by themselves.
   */
  span?: { trace_id: string; span_id: string };
  /** Set where a failure of this request was logged with its stack, so the server does not log it twice. */
  errorLogged?: boolean;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function newRequestInfo(
  incomingId: string | undefined,
  clientAddress: string | undefined,
): RequestInfo {
  return {
    id: incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
    clientAddress: clientAddress ?? "",
  };
}

/** Carries RequestInfo into Connect handlers and interceptors (ctx.values / req.contextValues). */
export const requestInfoKey = createContextKey<RequestInfo | undefined>(undefined, {
  description: "incoming request info",
});

// REST handlers run behind the node → fetch bridge and only see a fetch Request; the bridge files
// the info here under that Request so handlers can still learn the request id and client address.
const infoByFetchRequest = new WeakMap<Request, RequestInfo>();

export function attachRequestInfo(request: Request, info: RequestInfo): void {
  infoByFetchRequest.set(request, info);
}

export function requestInfoOf(request: Request): RequestInfo | undefined {
  return infoByFetchRequest.get(request);
}
