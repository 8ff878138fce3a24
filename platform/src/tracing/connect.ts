import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { requestInfoKey } from "../request-info.ts";
import { failSpan, headersGetter, inSpan, tracer } from "./context.ts";

/** OpenTelemetry's RPC conventions: `<package.Service>/<Method>`, rpc.* attributes. */
function rpcAttributes(service: string, method: string) {
  return { "rpc.system": "connect_rpc", "rpc.service": service, "rpc.method": method };
}

/**
 * A span per RPC handled. A call that came over the network (Connect, gRPC, gRPC-Web: the node
 * adapter sets the request info) is a SERVER span continuing the caller's `traceparent`. A call
 * made by this process's REST routes through the in-process transport is an INTERNAL span under
 * the REST request's span, so one REST request is one server span with the RPC inside it.
 */
export function serverTraceInterceptor(): Interceptor {
  return (next) => async (req) => {
    const info = req.contextValues.get(requestInfoKey);
    const remote = info !== undefined;
    const parent = remote ? propagation.extract(ROOT_CONTEXT, req.header, headersGetter) : context.active();
    const span = tracer().startSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: remote ? SpanKind.SERVER : SpanKind.INTERNAL,
        attributes: rpcAttributes(req.service.typeName, req.method.name),
      },
      parent,
    );
    if (info && span.isRecording()) {
      const { traceId, spanId } = span.spanContext();
      info.span = { trace_id: traceId, span_id: spanId };
    }
    try {
      return await context.with(trace.setSpan(parent, span), () => next(req));
    } catch (err) {
      const code = ConnectError.from(err).code;
      span.setAttribute("rpc.connect_rpc.error_code", codeToString(code));
      // Client mistakes (invalid_argument, not_found, ...) are answers, not failures of this server.
      if (isServerFault(code)) failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  };
}

/**
 * A CLIENT span per outgoing RPC, whose context goes out in the `traceparent` header so the server
 * continues the same trace.
 */
export function clientTraceInterceptor(): Interceptor {
  return (next) => (req) =>
    inSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.CLIENT, attributes: rpcAttributes(req.service.typeName, req.method.name) },
      async (span) => {
        propagation.inject(context.active(), req.header, { set: (h, k, v) => h.set(k, v) });
        try {
          return await next(req);
        } catch (err) {
          span.setAttribute("rpc.connect_rpc.error_code", codeToString(ConnectError.from(err).code));
          throw err; // inSpan marks the span failed
        }
      },
    );
}

// Connect codes a server is to blame for (OpenTelemetry's gRPC guidance for server spans).
const SERVER_FAULTS = new Set([
  "unknown",
  "deadline_exceeded",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
]);

function isServerFault(code: Parameters<typeof codeToString>[0]): boolean {
  return SERVER_FAULTS.has(codeToString(code));
}
