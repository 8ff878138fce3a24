import type { Logger } from "@route256/platform/logger";
import { untraced } from "@route256/platform/tracing/context";

export interface BackgroundJob {
  /** Waits for a run in progress to finish, then stops. */
  stop(): Promise<void>;
}

export interface WakeableJob extends BackgroundJob {
  /** Runs now instead of at the next tick; during a run, once more right after it. */
  wake(): void;
}

/**
 * Runs `run` every `intervalMs`. Runs never overlap: the next is scheduled when the current one
 * ends. A failed run is logged and retried on the next tick; a run that did something is logged
 * with `what` and its count. Runs make no spans of their own (polling every few hundred ms would
 * bury the traces worth reading); what they change still gets a trace (see traceparentForLater).
 */
export function startPeriodicJob(opts: {
  name: string;
  intervalMs: number;
  run: () => Promise<number>;
  what: string;
  logger: Logger;
  /** Log successful runs at debug (jobs that run every few hundred ms). */
  quiet?: boolean;
}): WakeableJob {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let busy = false;
  let again = false;
  const tick = () => {
    busy = true;
    // Promise.resolve().then: a run that throws before returning its promise is a failed run too.
    running = Promise.resolve()
      .then(() => untraced(opts.run))
      .then((n) => {
        if (n > 0) opts.logger[opts.quiet ? "debug" : "info"]({ job: opts.name, count: n }, opts.what);
      })
      .catch((err) => opts.logger.error({ err, job: opts.name }, "background job run failed"))
      .finally(() => {
        busy = false;
        if (stopped) return;
        timer = setTimeout(tick, again ? 0 : opts.intervalMs);
        again = false;
      });
  };
  timer = setTimeout(tick, opts.intervalMs);
  return {
    wake() {
      if (stopped) return;
      if (busy) {
        again = true;
        return;
      }
      clearTimeout(timer);
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
