import type { DestinationStream } from "pino";

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A pino destination that keeps every line, parsed, for assertions. */
export class LogCapture implements DestinationStream {
  readonly lines: LogLine[] = [];
  private readonly waiting = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();

  write(chunk: string): void {
    for (const raw of chunk.split("\n")) {
      if (raw.trim() === "") continue;
      const line = JSON.parse(raw) as LogLine;
      this.lines.push(line);
      for (const w of this.waiting) {
        if (w.match(line)) {
          this.waiting.delete(w);
          w.resolve(line);
        }
      }
    }
  }

  /**
   * The first line, already written or still to come, that matches. For lines written after the
   * response went out (access log lines), so a test need not guess how long to wait.
   */
  waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
    const found = this.lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiting.add({ match, resolve }));
  }

  at(level: string): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }

  withMessage(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }
}
