import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { RequestInfo } from "../request-info.ts";
import { headersGetter, tracer } from "./context.ts";

// Probes and scrapes every few seconds would bury the traces worth reading.
const UNTRACED = /^\/(healthz|readyz|metrics|docs|openapi\.json)(\/|\?|$)/;

/**
 * Runs a plain HTTP request (REST, docs: whatever is not an RPC) inside a SERVER span continuing
 * the caller's `traceparent`. The span is named by method until the router knows the route
 * template (see `nameHttpSpan`), so names stay few — `POST /user/:user_id/cart/:sku_id`, not one
 * per user. It ends with the response's status (499 when the client left first).
 */
export async function inHttpSpan(
  request: Request,
  info: RequestInfo,
  handle: () => Promise<Response>,
): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (UNTRACED.test(path)) return handle();
  const method = request.method;
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headersGetter);
  const span = tracer().startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": path } },
    parent,
  );
  if (span.isRecording()) {
    // For the access log line, which is written outside the span once the answer is out.
    const { traceId, spanId } = span.spanContext();
    info.span = { trace_id: traceId, span_id: spanId };
  }
  let status = 499;
  try {
    const response = await context.with(trace.setSpan(parent, span), handle);
    status = request.signal.aborted ? 499 : response.status;
    return response;
  } catch (err) {
    status = request.signal.aborted ? 499 : 500;
    throw err;
  } finally {
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/** Gives the active HTTP span its route: called by the router once it has matched one. */
export function nameHttpSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute("http.route", route);
}
