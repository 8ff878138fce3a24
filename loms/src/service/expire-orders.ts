import { DomainError } from "@route256/platform/errors/domain-error";
import { oneByOne, walkClaims } from "./claim-loop.ts";
import { orderCancel } from "./order-cancel.ts";
import type { LomsDeps } from "./ports.ts";
import { repairOrder } from "./repair-order.ts";

export interface ExpiryOptions {
  /** Orders awaiting payment longer than this are cancelled. */
  ttlMs: number;
  /** Orders claimed per round trip. */
  batch?: number;
  /** How long a claim keeps other LOMS instances off an order. */
  leaseMs?: number;
}

/**
 * Cancels orders that have been awaiting payment longer than the TTL, returning their stock. Orders
 * are claimed in batches (exclusive across LOMS instances) and each goes through orderCancel, so a
 * payment racing the expiry is safe: whoever settles the reservation first wins. An order whose
 * stock turns out sold is a payment a crash interrupted: it is repaired (paid). Infrastructure
 * errors propagate (the job logs the failed run). Returns how many orders this run cancelled.
 */
export function expireOrders(deps: LomsDeps, opts: ExpiryOptions): Promise<number> {
  const batch = opts.batch ?? 100;
  return walkClaims({
    claim: () => {
      const now = deps.clock.now();
      return deps.orders.claimStale(
        "expiry",
        new Date(now.getTime() - opts.ttlMs),
        batch,
        now,
        opts.leaseMs ?? 60_000,
      );
    },
    batch,
    key: (order) => order.id,
    settle: oneByOne(async (order) => {
      try {
        return await orderCancel(deps, order.id);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        await repairOrder(deps, order); // paid meanwhile, or a payment cut short: settle it
        return false;
      }
    }),
  });
}
