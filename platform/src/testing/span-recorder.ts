import { context, propagation, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { installContextPropagation } from "../tracing/setup.ts";

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
  installContextPropagation();
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
