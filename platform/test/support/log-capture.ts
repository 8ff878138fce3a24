import type { DestinationStream } from "pino";

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A pino destination that keeps every line, parsed, for assertions. */
export class LogCapture implements DestinationStream {
  readonly lines: LogLine[] = [];

  write(chunk: string): void {
    for (const raw of chunk.split("\n")) {
      if (raw.trim() !== "") this.lines.push(JSON.parse(raw) as LogLine);
    }
  }

  at(level: string): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }

  withMessage(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }
}
