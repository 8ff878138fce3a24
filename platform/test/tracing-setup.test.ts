import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { context, propagation, trace } from "@opentelemetry/api";
import { type OtlpReceiver, startOtlpReceiver } from "@route256/testkit/otlp-receiver";
import { createLogger } from "../src/logger.ts";
import { activeTraceparent, inSpan } from "../src/tracing/context.ts";
import { loadTracingConfig, startTracing } from "../src/tracing/setup.ts";
import { LogCapture } from "./support/log-capture.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let receiver: OtlpReceiver;
let log: LogCapture;

/** startTracing registers process-wide globals; each test starts from the no-op API and leaves it so. */
function resetGlobals() {
  trace.disable();
  context.disable();
  propagation.disable();
}

beforeEach(() => {
  resetGlobals();
  receiver = startOtlpReceiver();
  log = new LogCapture();
});
afterEach(async () => {
  resetGlobals();
  await receiver.stop();
});

function start(env: Record<string, string>, service = "notifier") {
  return startTracing(loadTracingConfig(env), service, createLogger(service, "info", log));
}

describe("startTracing", () => {
  test("exports over OTLP/HTTP with service.name and a per-process service.instance.id; shutdown flushes", async () => {
    const tracing = start({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.endpoint}/`,
      OTEL_BSP_SCHEDULE_DELAY: "60000",
    });
    expect(tracing.exporting).toBe(true);
    await inSpan("first", {}, async () => {});
    await tracing.shutdown(); // the batch delay is a minute: only the flush on shutdown sends it

    const [span] = receiver.spans();
    expect(span?.name).toBe("first");
    expect(span?.service).toBe("notifier");
    expect(String(span?.resource["service.instance.id"])).toMatch(UUID);
    expect(log.lines.find((l) => l.msg === "tracing")?.otlp).toBe(`${receiver.endpoint}/v1/traces`);

    // A second process of the same service (here: a second start) is another instance.
    resetGlobals();
    const again = start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    await inSpan("second", {}, async () => {});
    await again.shutdown();
    const second = receiver.spans().find((s) => s.name === "second");
    expect(second?.resource["service.instance.id"]).not.toBe(span?.resource["service.instance.id"]);
  });

  test("OTEL_RESOURCE_ATTRIBUTES reach the resource; OTEL_SERVICE_NAME wins over a service.name there", async () => {
    const tracing = start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "notifier-2",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=ignored,service.instance.id=n2,deployment.environment.name=dev",
    });
    await inSpan("work", {}, async () => {});
    await tracing.shutdown();
    // exactly these: resourceFromAttributes adds no telemetry.sdk.* or host attributes of its own
    expect(receiver.spans()[0]?.resource).toEqual({
      "service.name": "notifier-2",
      "service.instance.id": "n2",
      "deployment.environment.name": "dev",
    });
  });

  test("a service.name in OTEL_RESOURCE_ATTRIBUTES names the service when OTEL_SERVICE_NAME is unset", async () => {
    const tracing = start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_RESOURCE_ATTRIBUTES: "service.name=n",
    });
    await inSpan("work", {}, async () => {});
    await tracing.shutdown();
    expect(receiver.spans()[0]?.service).toBe("n");
  });

  test("no endpoint: spans and trace ids exist (logs and messages carry them), nothing is sent", async () => {
    const tracing = start({});
    expect(tracing.exporting).toBe(false);
    const traceparent = await inSpan("local", {}, async () => activeTraceparent());
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await tracing.shutdown();
    expect(receiver.spans()).toEqual([]);
    expect(log.lines.find((l) => l.msg === "tracing")?.otlp).toBe("off");
  });

  test("OTEL_SDK_DISABLED=true: no spans even with an endpoint, but incoming context is still passed on", async () => {
    const tracing = start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: "true" });
    expect(tracing.exporting).toBe(false);
    expect(await inSpan("nothing", {}, async () => activeTraceparent())).toBeUndefined();
    const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const carried = context.with(propagation.extract(context.active(), { traceparent: incoming }), () =>
      activeTraceparent(),
    );
    expect(carried).toBe(incoming);
    await tracing.shutdown();
    expect(receiver.spans()).toEqual([]);
    expect(log.lines.some((l) => l.msg === "tracing disabled (OTEL_SDK_DISABLED)")).toBe(true);
  });
});
