import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { protoDocs } from "@route256/proto/docs.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { recordSpans, type SpanRecorder } from "@route256/testkit/span-recorder";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics } from "../src/metrics.ts";
import { type RunningServer, serveOnePort } from "../src/server/one-port.ts";
import { clientTraceInterceptor } from "../src/tracing/connect.ts";
import { activeTraceparent, contextFrom, inSpan } from "../src/tracing/context.ts";
import { inConsumerSpan } from "../src/tracing/messaging.ts";
import { loadTracingConfig } from "../src/tracing/setup.ts";
import { LogCapture } from "./support/log-capture.ts";
import { testRest } from "./support/rest.ts";
import { SKU, testProducts } from "./support/test-products.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

let recorder: SpanRecorder;
let server: RunningServer;
const log = new LogCapture();

beforeAll(async () => {
  recorder = recordSpans();
  server = await serveOnePort({
    config: { host: "127.0.0.1", port: 0, logLevel: "info", shutdownGraceMs: 1000 },
    logger: createLogger("test", "info", log),
    metrics: createRpcMetrics("test"),
    services: [ProductService],
    routes: testProducts().routes,
    rest: (local: Transport) => testRest(local),
    docs: { title: "t", description: "t", version: "0", protoDocs, examples: {} },
  });
});
afterAll(async () => {
  await server.close();
  await recorder.stop();
});
beforeEach(() => recorder.reset());

const spansWhen = (n: number) => recorder.spansWhen(n);

describe("RPC spans", () => {
  test("a gRPC call continues the caller's traceparent in a SERVER span named after the method", async () => {
    const client = createClient(ProductService, createGrpcTransport({ baseUrl: server.url }));
    await client.getProduct({ sku: 1n }, { headers: { traceparent: PARENT } });
    const [span] = await spansWhen(1);
    expect(span?.name).toBe("products.v1.ProductService/GetProduct");
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(span?.attributes["rpc.method"]).toBe("GetProduct");
  });

  test("the access log line of an RPC names its trace and span", async () => {
    const client = createClient(ProductService, createGrpcTransport({ baseUrl: server.url }));
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    await client.getProduct({ sku: 3n }, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const [span] = await spansWhen(1);
    const line = await log.waitFor((l) => l.msg === "request" && l.trace_id === traceId);
    expect(line.path).toBe("/products.v1.ProductService/GetProduct");
    expect(line.span_id).toBe(span?.spanContext().spanId as string);
  });

  test("client errors are answers (span not failed); server faults fail the span", async () => {
    const client = createClient(
      ProductService,
      createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    );
    await expect(client.getProduct({ sku: SKU.missing })).rejects.toThrow();
    await expect(client.getProduct({ sku: SKU.broken })).rejects.toThrow();
    const spans = await spansWhen(2);
    const missing = spans.find((s) => s.attributes["rpc.connect_rpc.error_code"] === "not_found");
    const broken = spans.find((s) => s.attributes["rpc.connect_rpc.error_code"] === "internal");
    expect(missing?.status.code).toBe(SpanStatusCode.UNSET);
    expect(broken?.status.code).toBe(SpanStatusCode.ERROR);
  });

  test("the client interceptor makes a CLIENT span and sends its context; the server span is its child", async () => {
    const client = createClient(
      ProductService,
      createGrpcTransport({ baseUrl: server.url, interceptors: [clientTraceInterceptor()] }),
    );
    await inSpan("caller", {}, () => client.getProduct({ sku: 2n }));
    const spans = await spansWhen(3);
    const caller = spans.find((s) => s.name === "caller");
    const out = spans.find((s) => s.kind === SpanKind.CLIENT);
    const handled = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(out?.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId as string);
    expect(handled?.parentSpanContext?.spanId).toBe(out?.spanContext().spanId as string);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });
});

describe("REST spans", () => {
  test("a REST request is one SERVER span named by its route, with the in-process RPC inside", async () => {
    const res = await fetch(`${server.url}/product/5`, { headers: { traceparent: PARENT } });
    expect(res.status).toBe(200);
    const spans = await spansWhen(2);
    const http = spans.find((s) => s.kind === SpanKind.SERVER);
    const rpc = spans.find((s) => s.kind === SpanKind.INTERNAL);
    expect(http?.name).toBe("GET /product/:sku");
    expect(http?.attributes["http.response.status_code"]).toBe(200);
    expect(http?.spanContext().traceId).toBe(TRACE_ID);
    expect(rpc?.name).toBe("products.v1.ProductService/GetProduct");
    expect(rpc?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId as string);
  });

  test("probes and scrapes make no spans", async () => {
    await fetch(`${server.url}/healthz`);
    await fetch(`${server.url}/metrics`);
    // A traced request after them: once its two spans (HTTP, RPC) have ended, any span the probe
    // or the scrape made would have ended before them.
    await fetch(`${server.url}/product/6`, { headers: { traceparent: PARENT } });
    const spans = await spansWhen(2);
    expect(spans.map((s) => s.spanContext().traceId)).toEqual([TRACE_ID, TRACE_ID]);
  });

  test("log lines written inside a request carry its trace and span ids", async () => {
    await fetch(`${server.url}/product/6`, { headers: { traceparent: PARENT } });
    const line = await log.waitFor((l) => l.msg === "request" && l.path === "/product/6");
    expect(line.trace_id).toBe(TRACE_ID);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("trace context helpers", () => {
  test("activeTraceparent names the active span; contextFrom reads one back", async () => {
    expect(activeTraceparent()).toBeUndefined();
    const stored = await inSpan("change", {}, async (span) => {
      const tp = activeTraceparent();
      expect(tp).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      return tp;
    });
    await inSpan(
      "later",
      {},
      async (span) => {
        expect(span.spanContext().traceId).toBe(stored?.split("-")[1] as string);
      },
      contextFrom({ traceparent: stored }),
    );
  });

  test("inConsumerSpan continues the message's traceparent and fails the span on a throw", async () => {
    const headers = new Map([["traceparent", PARENT]]);
    await expect(
      inConsumerSpan("t", headers, { "messaging.kafka.offset": 3 }, async () => {
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    const [span] = recorder.spans();
    expect(span?.name).toBe("t process");
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe("tracing config", () => {
  test("standard OTEL_* variables, an empty endpoint meaning off, a bad one named", () => {
    expect(loadTracingConfig({})).toEqual({
      endpoint: undefined,
      serviceName: undefined,
      resourceAttributes: {},
      batchDelayMs: 5000,
      disabled: false,
    });
    expect(loadTracingConfig({ OTEL_SDK_DISABLED: "true" }).disabled).toBe(true);
    expect(
      loadTracingConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
        OTEL_SERVICE_NAME: "loms-2",
        OTEL_BSP_SCHEDULE_DELAY: "200",
      }),
    ).toEqual({
      endpoint: "http://jaeger:4318",
      serviceName: "loms-2",
      resourceAttributes: {},
      batchDelayMs: 200,
      disabled: false,
    });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: " " }).endpoint).toBeUndefined();
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "jaeger:4318" })).toThrow(
      "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
  });
});

describe("OTEL_RESOURCE_ATTRIBUTES", () => {
  test("key=value pairs, values percent-decoded, blanks around pairs ignored", () => {
    const attrs = (v: string) => loadTracingConfig({ OTEL_RESOURCE_ATTRIBUTES: v }).resourceAttributes;
    expect(attrs(" deployment.environment.name=dev , team=checkout%20%26%20pay,")).toEqual({
      "deployment.environment.name": "dev",
      team: "checkout & pay",
    });
    expect(attrs("")).toEqual({});
    expect(attrs("k=")).toEqual({ k: "" });
  });

  test("a malformed list fails start-up naming the variable and the pair", () => {
    expect(() => loadTracingConfig({ OTEL_RESOURCE_ATTRIBUTES: "a=1,oops" })).toThrow(
      /OTEL_RESOURCE_ATTRIBUTES: "oops" is not key=value/,
    );
    expect(() => loadTracingConfig({ OTEL_RESOURCE_ATTRIBUTES: "=1" })).toThrow("OTEL_RESOURCE_ATTRIBUTES");
    expect(() => loadTracingConfig({ OTEL_RESOURCE_ATTRIBUTES: "a=%E0%A4%A" })).toThrow(
      /OTEL_RESOURCE_ATTRIBUTES: the value of a is not percent-encoded properly/,
    );
  });
});
