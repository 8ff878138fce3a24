import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

export interface SpanRecorder {
  /** Finished spans, oldest first. */
  spans(): readonly ReadableSpan[];
  reset(): void;
  /** Puts the no-op API back, as a process without tracing has it. */
  stop(): Promise<void>;
}

/**
 * Process-wide tracing into memory, for tests of instrumentation: the same propagator and context
 * manager startTracing installs, with every span kept as soon as it ends.
 */
export function recordSpans(): SpanRecorder {
  // The API refuses a second registration; tests start and stop recorders many times.
  trace.disable();
  context.disable();
  propagation.disable();
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
