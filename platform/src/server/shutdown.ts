import type { Logger } from "../logger.ts";

type Closer = () => Promise<void>;

/**
 * Runs the closers in order (servers first so no new work arrives, then background jobs and
 * stores) and exits, the first time it is called; later calls change nothing.
 */
export function closeOnce(logger: Logger, closers: Closer[]): (reason: string) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (reason) => {
    closing ??= (async () => {
      logger.info({ signal: reason }, "shutting down");
      let code = 0;
      for (const close of closers) {
        try {
          await close();
        } catch (err) {
          code = 1;
          logger.error({ err }, "error while shutting down");
        }
      }
      // The destination is asynchronous: exit only once the last lines are written.
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      process.exit(code);
    })();
    return closing;
  };
}

/** On SIGTERM or SIGINT, closes (closeOnce) and exits. A second signal exits at once. */
export function closeOnSignal(logger: Logger, closers: Closer[]): void {
  const close = closeOnce(logger, closers);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    void close(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
