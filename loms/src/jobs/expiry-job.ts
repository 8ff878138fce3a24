import type { Logger } from "@route256/platform/logger";
import { expireOrders } from "../service/expire-orders.ts";
import type { LomsDeps } from "../service/ports.ts";
import { type BackgroundJob, startPeriodicJob } from "./periodic-job.ts";

export type { BackgroundJob } from "./periodic-job.ts";

/** Cancels orders unpaid for longer than `ttlMs`, looking every `intervalMs`. */
export function startExpiryJob(
  deps: LomsDeps,
  opts: { ttlMs: number; intervalMs: number; logger: Logger },
): BackgroundJob {
  return startPeriodicJob({
    name: "expiry",
    intervalMs: opts.intervalMs,
    run: () => expireOrders(deps, { ttlMs: opts.ttlMs }),
    what: "expired unpaid orders",
    logger: opts.logger,
  });
}
