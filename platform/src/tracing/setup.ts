import { randomUUID } from "node:crypto";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { z } from "zod";
import { envVar, parseEnv } from "../config.ts";
import type { Logger } from "../logger.ts";
import { IdsOnlyTracerProvider } from "./ids-only.ts";

export interface TracingConfig {
  /**
   * OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4318): spans are posted to
   * `<endpoint>/v1/traces`. Unset: spans and trace ids still exist (logs and messages carry them)
   * but nothing is sent anywhere.
   */
  endpoint?: string;
  /** The service.name resource attribute (OTEL_SERVICE_NAME; default: the service's own name). */
  serviceName?: string;
  /**
   * Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES, `key=value,key=value`, values
   * percent-encoded), e.g. `deployment.environment.name=dev`. OTEL_SERVICE_NAME wins over a
   * service.name given here, as the OpenTelemetry spec says.
   */
  resourceAttributes: Readonly<Record<string, string>>;
  /** How long finished spans wait to be sent in a batch (OTEL_BSP_SCHEDULE_DELAY, default 5000 ms). */
  batchDelayMs: number;
  /**
   * OTEL_SDK_DISABLED=true: no spans at all (the API stays a no-op; incoming trace context is still
   * passed on). For measuring what tracing costs, or for a process that must not pay it.
   */
  disabled: boolean;
}

const tracingEnv = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  ),
  OTEL_SERVICE_NAME: z.string().trim().optional(),
  OTEL_RESOURCE_ATTRIBUTES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseResourceAttributes(v ?? "");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  OTEL_BSP_SCHEDULE_DELAY: envVar.count(5_000),
  OTEL_SDK_DISABLED: z.enum(["true", "false", ""]).default("false"),
});

/** The standard OpenTelemetry variables this code honours, typed (see TracingConfig). */
export function loadTracingConfig(env: Record<string, string | undefined> = process.env): TracingConfig {
  const e = parseEnv(tracingEnv, env);
  return {
    endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: e.OTEL_SERVICE_NAME || undefined,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES,
    batchDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
    disabled: e.OTEL_SDK_DISABLED === "true",
  };
}

/** `key=value,key=value` with percent-encoded values (the W3C Baggage format the variable uses). */
function parseResourceAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const key = pair.slice(0, eq).trim();
    if (eq < 0 || key === "") throw new Error(`"${pair.trim()}" is not key=value`);
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new Error(`the value of ${key} is not percent-encoded properly`);
    }
  }
  return out;
}

/**
 * W3C trace context (`traceparent`) as the propagation format and AsyncLocalStorage to carry the
 * active span across awaits — what every tracer provider here, real or a test's, runs on.
 */
export function installContextPropagation(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export interface Tracing {
  /** Spans are sent to an OTLP endpoint. */
  readonly exporting: boolean;
  /** Sends the spans still buffered and stops; call after the server has drained. */
  shutdown(): Promise<void>;
}

/**
 * Process-wide tracing, set up once in main.ts: W3C trace context (the `traceparent` header) as the
 * propagation format, AsyncLocalStorage to carry the active span across awaits, and — when an OTLP
 * endpoint is configured — a batching OTLP/HTTP (JSON) exporter. The embedded mode (`just dev`)
 * sets no endpoint, so it exports nothing unless the developer sets one. Instrumentation is explicit
 * (see the other files of this folder): Bun has no require hooks for auto-instrumentation, and
 * explicit spans name what the business does.
 */
export function startTracing(config: TracingConfig, service: string, logger: Logger): Tracing {
  installContextPropagation();
  if (config.disabled) {
    logger.info({ otlp: "off" }, "tracing disabled (OTEL_SDK_DISABLED)");
    return { exporting: false, shutdown: async () => {} };
  }
  // With no exporter, spans are only their ids: every request still has a trace id, which log lines
  // and Kafka messages (traceparent) carry — useful on their own — and turning export on is one
  // variable; building whole spans for nobody cost ~40 µs per LOMS call.
  const url = config.endpoint ? `${config.endpoint.replace(/\/+$/, "")}/v1/traces` : undefined;
  if (!url) {
    trace.setGlobalTracerProvider(new IdsOnlyTracerProvider());
    logger.info({ otlp: "off" }, "tracing");
    return { exporting: false, shutdown: async () => {} };
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      "service.name": config.serviceName ?? config.resourceAttributes["service.name"] ?? service,
      // Tells apart the processes of one service (three notifiers, two LOMS) in a trace viewer.
      "service.instance.id": config.resourceAttributes["service.instance.id"] ?? randomUUID(),
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        scheduledDelayMillis: config.batchDelayMs,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  logger.info({ otlp: url }, "tracing");
  return {
    exporting: true,
    async shutdown() {
      await provider.shutdown().catch((err: unknown) => logger.warn({ err }, "flushing spans failed"));
    },
  };
}
