import type { Logger } from "../logger.ts";

/**
 * On SIGTERM or SIGINT, runs the closers in order (servers first so no new work arrives, then
 * background jobs and stores) and exits. A second signal exits at once.
 */
export function closeOnSignal(logger: Logger, closers: (() => Promise<void>)[]): void {
  let closing = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, "shutting down");
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
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
