import pino, { type DestinationStream, type Logger } from "pino";
import { activeTraceIds } from "./tracing/context.ts";

export type { Logger } from "pino";

/**
 * JSON lines on stdout: one object per event, `level` as a word, ISO time, the service name, and
 * the trace_id / span_id of the span active when the line was written (so a log line leads to its
 * trace in Jaeger, and a trace to its lines).
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      mixin: activeTraceIds,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
