import { context, propagation, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { installContextPropagation } from "@route256/platform/tracing/setup";

export interface SpanRecorder {
  /** Finished spans, oldest first. */
  spans(): readonly ReadableSpan[];
  /**
   * The finished spans once there are at least `n` (spans end as responses finish, a moment after
   * the client has its answer): waits on spans ending, not on a guessed delay.
   */
  spansWhen(n: number): Promise<readonly ReadableSpan[]>;
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
  const waiters = new Set<{ n: number; resolve: (spans: readonly ReadableSpan[]) => void }>();
  const wakeWaiters = () => {
    const spans = exporter.getFinishedSpans();
    for (const w of waiters) {
      if (spans.length < w.n) continue;
      waiters.delete(w);
      w.resolve(spans);
    }
  };
  // After the exporting processor: a span it has stored wakes whoever waits for it.
  const notify: SpanProcessor = {
    onStart() {},
    onEnd: () => queueMicrotask(wakeWaiters),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter }), notify],
  });
  installContextPropagation();
  trace.setGlobalTracerProvider(provider);
  return {
    spans: () => exporter.getFinishedSpans(),
    spansWhen(n) {
      const { promise, resolve } = Promise.withResolvers<readonly ReadableSpan[]>();
      waiters.add({ n, resolve });
      wakeWaiters();
      return promise;
    },
    reset: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
