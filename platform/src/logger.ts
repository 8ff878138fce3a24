import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** JSON lines on stdout: one object per event, `level` as a word, ISO time, the service name. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
