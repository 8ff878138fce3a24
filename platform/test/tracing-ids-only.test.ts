import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { context, propagation, type Span, trace } from "@opentelemetry/api";
import { activeTraceparent, contextFrom, tracer } from "../src/tracing/context.ts";
import { IdsOnlyTracerProvider } from "../src/tracing/ids-only.ts";
import { installContextPropagation } from "../src/tracing/setup.ts";

const PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = `00-${PARENT_TRACE}-00f067aa0ba902b7-01`;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

beforeEach(() => {
  installContextPropagation();
  trace.setGlobalTracerProvider(new IdsOnlyTracerProvider());
});
afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe("IdsOnlyTracerProvider (no exporter: spans are their ids only)", () => {
  test("a span without a parent starts a trace; its children keep the trace id with a span id of their own", () => {
    const ids = tracer().startActiveSpan("root", (root: Span) => {
      const outer = activeTraceparent();
      const inner = tracer().startActiveSpan("child", { attributes: { a: 1 } }, () => activeTraceparent());
      root.end();
      return { outer, inner, recording: root.isRecording() };
    });
    const [, rootTrace, rootSpan] = W3C.exec(ids.outer ?? "") ?? [];
    const [, childTrace, childSpan] = W3C.exec(ids.inner ?? "") ?? [];
    expect(rootTrace).toHaveLength(32);
    expect(childTrace).toBe(rootTrace as string);
    expect(childSpan).toHaveLength(16);
    expect(childSpan).not.toBe(rootSpan as string);
    expect(ids.recording).toBe(false); // nothing is built for nobody to read
  });

  test("an incoming traceparent is continued; `root: true` starts a new trace; a context argument is honoured", () => {
    const incoming = contextFrom({ traceparent: PARENT });
    const continued = tracer().startActiveSpan("rpc", {}, incoming, () => activeTraceparent());
    expect(W3C.exec(continued ?? "")?.[1]).toBe(PARENT_TRACE);
    expect(continued).not.toBe(PARENT);
    const fresh = context.with(incoming, () =>
      tracer().startActiveSpan("job", { root: true }, () => activeTraceparent()),
    );
    expect(W3C.exec(fresh ?? "")?.[1]).not.toBe(PARENT_TRACE);
    const lone = context.with(incoming, () => tracer().startSpan("query").spanContext());
    expect(lone.traceId).toBe(PARENT_TRACE);
  });

  test("what the callback returns comes back, promises included", async () => {
    expect(tracer().startActiveSpan("sync", () => 42)).toBe(42);
    expect(await tracer().startActiveSpan("async", async () => "done")).toBe("done");
  });
});
