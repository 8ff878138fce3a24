import { type Attributes, type Span, SpanKind } from "@opentelemetry/api";
import { contextFrom, inSpan } from "./context.ts";

/**
 * Handles one consumed message inside a CONSUMER span that continues the producer's trace (the
 * message's `traceparent` header), so what the handler does — and the log lines it writes — belong
 * to the trace of the request that caused the message.
 */
export function inConsumerSpan<T>(
  topic: string,
  headers: ReadonlyMap<string, string | undefined>,
  attributes: Attributes,
  handle: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = contextFrom({
    traceparent: headers.get("traceparent"),
    tracestate: headers.get("tracestate"),
  });
  return inSpan(
    `${topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        ...attributes,
      },
    },
    handle,
    parent,
  );
}
