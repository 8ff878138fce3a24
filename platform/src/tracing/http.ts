import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { NodeRequest, NodeResponse } from "../server/node-fetch-bridge.ts";
import { contextFrom, tracer } from "./context.ts";

// Probes and scrapes every few seconds would bury the traces worth reading.
const UNTRACED = /^\/(healthz|readyz|metrics|docs|openapi\.json)(\/|\?|$)/;

/**
 * Runs a plain HTTP request (REST, docs: whatever is not an RPC) inside a SERVER span continuing
 * the caller's `traceparent`. The span is named by method until the router knows the route
 * template (see `nameHttpSpan`), so names stay few — `POST /user/:user_id/cart/:sku_id`, not one
 * per user. It ends when the response is finished or the client leaves.
 */
export function inHttpSpan(req: NodeRequest, res: NodeResponse, handle: () => unknown): void {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (UNTRACED.test(path)) {
    handle();
    return;
  }
  const method = req.method ?? "GET";
  const parent = contextFrom(req.headers);
  const span = tracer().startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": path } },
    parent,
  );
  res.on("close", () => {
    const status = res.writableFinished ? res.statusCode : 499;
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), handle);
}

/** Gives the active HTTP span its route: called by the router once it has matched one. */
export function nameHttpSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute("http.route", route);
}
