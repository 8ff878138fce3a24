import type { Logger } from "@route256/platform/logger";
import type { LomsDeps } from "../service/ports.ts";
import { REPAIR_GRACE_MS, repairOrders } from "../service/repair-order.ts";
import { type BackgroundJob, startPeriodicJob } from "./periodic-job.ts";

/**
 * Settles orders a crash left half-way and releases stock reserved for orders that never appeared
 * (see repairOrders), looking every `intervalMs`.
 */
export function startRepairJob(
  deps: LomsDeps,
  opts: { intervalMs: number; graceMs?: number; logger: Logger },
): BackgroundJob {
  return startPeriodicJob({
    name: "repair",
    intervalMs: opts.intervalMs,
    // A short lease: checking an order takes milliseconds, and a pay or cancel that crashes right
    // after repair verified its order waits for this lease before repair may look again.
    run: () => repairOrders(deps, { graceMs: opts.graceMs ?? REPAIR_GRACE_MS, batch: 100, leaseMs: 10_000 }),
    what: "repaired orders a crash left half-way",
    logger: opts.logger,
  });
}
