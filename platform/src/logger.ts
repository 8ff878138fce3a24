import { trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/** `json` for files, pipes and production; `pretty` for a person at a terminal (LOG_FORMAT). */
export type LogFormat = "json" | "pretty";

/**
 * One logger per process (and per in-process component). As JSON: one object per line, `level` as a
 * word, ISO time, the service name, and the trace_id / span_id of the span active when the line was
 * written (so a log line leads to its trace in Jaeger, and a trace to its lines). As `pretty`: the same
 * events as short human lines (prettyStream). `out` is a format (unset: resolveLogFormat decides), or
 * a stream that takes the JSON lines (tests capture them so).
 */
export function createLogger(service: string, level: string, out?: LogFormat | DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      mixin: activeTraceIds,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    typeof out === "object"
      ? out
      : resolveLogFormat(out) === "pretty"
        ? prettyStream()
        : pino.destination({ dest: 1, sync: false }),
  );
}

/** The format asked for (LOG_FORMAT), else pretty when stdout is a terminal and JSON otherwise. */
export function resolveLogFormat(format?: LogFormat): LogFormat {
  return format ?? (process.stdout.isTTY ? "pretty" : "json");
}

// What a person at a terminal does not read: the ids that tie a line to its trace and request (they
// stay in the JSON format), and the access-log fields that prettyMessage puts into the line itself.
const UNREAD = [
  "service",
  "trace_id",
  "span_id",
  "requestId",
  "client",
  "http",
  "method",
  "path",
  "status",
  "ms",
  "rpcCode",
];

/**
 * pino-pretty, synchronous on stdout: `[12:04:31.207] INFO: cart     POST /checkout/1 200 14.2 ms`
 * for a request, `[12:04:30.118] INFO: loms     listening (…) {"url":"http://127.0.0.1:8084"}` for
 * anything else, and errors with their stack on the following lines. Colours when stdout supports them
 * (colorette: a TTY, or FORCE_COLOR; NO_COLOR turns them off).
 */
export function prettyStream(destination: number | DestinationStream = 1): DestinationStream {
  return pretty({
    destination,
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    singleLine: true,
    ignore: UNREAD.join(","),
    messageFormat: prettyMessage,
  });
}

type Colors = Record<"red" | "yellow" | "green" | "bold" | "dim", (s: string) => string>;

/** The message part of a pretty line: the service, then the request or the event's message. */
export function prettyMessage(
  log: Record<string, unknown>,
  messageKey: string,
  _levelLabel: string,
  { colors }: { colors: Colors },
): string {
  const service = colors.bold(String(log.service ?? "").padEnd(8));
  if (log[messageKey] !== "request" || typeof log.method !== "string")
    return `${service} ${String(log[messageKey] ?? "")}`;
  const status = Number(log.status);
  const paint = status >= 500 ? colors.red : status >= 400 ? colors.yellow : colors.green;
  // gRPC answers HTTP 200 whatever happened: its own code says how the call ended
  const rpc = log.rpcCode && log.rpcCode !== "ok" ? ` ${colors.yellow(String(log.rpcCode))}` : "";
  return `${service} ${log.method} ${log.path} ${paint(String(status))}${rpc} ${colors.dim(`${log.ms} ms`)}`;
}

/**
 * Trace and span id of the active span, mixed into every line; empty outside a recorded trace. Read
 * from @opentelemetry/api directly: tracing/ logs through this logger, so the logger must not import
 * tracing/ (no cycle between platform folders).
 */
function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
