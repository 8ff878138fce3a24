import { createLogger, type Logger } from "@route256/platform/logger";

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger whose JSON lines are kept in memory, for asserting what was printed. */
export function captureLogger(level = "debug"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger("notifier", level, {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line) lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines };
}

/** The status lines: what a user reads, one per order status change. */
export const printed = (lines: LogLine[]) => lines.filter((l) => /^order \d+: status /.test(l.msg));
