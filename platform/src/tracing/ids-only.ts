import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { RandomIdGenerator } from "@opentelemetry/sdk-trace";

const ids = new RandomIdGenerator();

/**
 * The tracer of a process that exports no spans: every span is only its ids — a trace id (the
 * parent's, or a new one) and a new span id, flagged sampled as the SDK's would be — so log lines and
 * outgoing `traceparent` headers carry the same ids as before, without building spans (attributes,
 * clocks, events) nobody will ever read. Those cost ~40 µs per LOMS call (bench/README.md).
 */
class IdsOnlyTracer implements Tracer {
  startSpan(_name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    const inherited = parent !== undefined && isSpanContextValid(parent);
    return trace.wrapSpanContext({
      traceId: inherited ? parent.traceId : ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.SAMPLED,
      ...(inherited && parent.traceState ? { traceState: parent.traceState } : {}),
    });
  }

  // The API's overloads: (name, fn), (name, options, fn), (name, options, context, fn).
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args.pop() as (span: Span) => ReturnType<F>;
    const [options, ctx = context.active()] = args as [SpanOptions | undefined, Context | undefined];
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn, undefined, span) as ReturnType<F>;
  }
}

export class IdsOnlyTracerProvider implements TracerProvider {
  private readonly tracer = new IdsOnlyTracer();
  getTracer(): Tracer {
    return this.tracer;
  }
}
