import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";

/** The one tracer of this code base; spans say which service they belong to through the resource. */
export const tracer = () => trace.getTracer("route256");

/** Reads a carrier whose values are strings (or lists of them): Kafka headers, node header objects. */
const recordGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Fetch-style Headers, as Connect hands them to interceptors. */
export const headersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/** The context a `traceparent` (plus optional `tracestate`) names; the root context when absent. */
export function contextFrom(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier, recordGetter);
}

/**
 * The W3C `traceparent` of the active span, to store or send where no header object exists (the
 * outbox row written with a status change); undefined outside any trace.
 */
export function activeTraceparent(): string | undefined {
  return traceparentOf(context.active());
}

function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/**
 * The traceparent to keep with work that outlives the request (an outbox row): the active span's,
 * or — for work done outside any trace, by a background job — that of a new one-span trace named
 * `name`, so what consumers do with it still has a trace to join. Undefined when tracing is off.
 */
export function traceparentForLater(name: string): string | undefined {
  const active = activeTraceparent();
  if (active) return active;
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL }, ROOT_CONTEXT);
  span.end();
  return traceparentOf(trace.setSpan(ROOT_CONTEXT, span));
}

/**
 * Runs `fn` making no spans (periodic polling would bury real traces). Spans given an explicit
 * parent context — a stored traceparent, a root — are still made.
 */
export function untraced<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}

/** Writes the active trace context into `carrier` (traceparent, tracestate). */
export function injectInto(carrier: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier);
}

/**
 * Runs `fn` inside a new span (child of `parent`, by default the active span), ending it when `fn`
 * settles; a throw marks the span as an error and is rethrown.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer().startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks `span` failed with the error's message and an exception event. */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}
