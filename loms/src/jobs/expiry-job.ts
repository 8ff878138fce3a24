import type { Logger } from "@route256/platform";
import { expireOrders } from "../service/expire-orders.ts";
import type { LomsDeps } from "../service/ports.ts";

export interface BackgroundJob {
  /** Waits for a run in progress to finish, then stops. */
  stop(): Promise<void>;
}

/**
 * Runs expireOrders every `intervalMs`. Runs never overlap: the next is scheduled when the current
 * one ends. A failed run is logged and retried on the next tick.
 */
export function startExpiryJob(
  deps: LomsDeps,
  opts: { ttlMs: number; intervalMs: number; logger: Logger },
): BackgroundJob {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = expireOrders(deps, opts.ttlMs)
      .then((n) => {
        if (n > 0) opts.logger.info({ cancelled: n, ttlMs: opts.ttlMs }, "expired unpaid orders");
      })
      .catch((err) => opts.logger.error({ err }, "order expiry run failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs);
      });
  };
  timer = setTimeout(tick, opts.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
