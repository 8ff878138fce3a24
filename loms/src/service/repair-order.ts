import { type Order, OrderStatus } from "../domain/order.ts";
import type { LomsDeps } from "./ports.ts";

export type RepairOutcome = "consistent" | "awaiting payment" | "failed" | "paid" | "cancelled";

/**
 * Settles an order a crash may have left half-way, from the reservation record — the one source of
 * truth about its stock:
 *   new + reserved                → awaiting payment (created, reserved, status never written)
 *   new + no reservation          → failed (nothing was reserved; `abandon` makes sure nothing will be)
 *   new + released                → failed
 *   awaiting payment + sold       → paid (a payment stopped between stock and status)
 *   awaiting payment + released   → cancelled (a cancellation or expiry stopped half-way)
 *   awaiting payment + reserved   → consistent
 * Every move is a compare-and-set from the status it saw, so racing a live request is safe.
 */
export async function repairOrder(deps: LomsDeps, order: Order): Promise<RepairOutcome> {
  const now = deps.clock.now();
  const move = async (to: OrderStatus): Promise<RepairOutcome> => {
    const after = await deps.orders.changeStatus(order.id, [order.status], to, now);
    // Ours only if it carries our timestamp: a live request may have made the same move first.
    return after?.status === to && after.updatedAt.getTime() === now.getTime()
      ? (to as RepairOutcome)
      : "consistent";
  };
  if (order.status === OrderStatus.New) {
    const state = (await deps.stocks.reservationOf(order.id)) ?? (await deps.stocks.abandon(order.id));
    if (state === "reserved") return move(OrderStatus.AwaitingPayment);
    return move(OrderStatus.Failed);
  }
  if (order.status === OrderStatus.AwaitingPayment) {
    const state = await deps.stocks.reservationOf(order.id);
    if (state === "sold") return move(OrderStatus.Paid);
    if (state === "released") return move(OrderStatus.Cancelled);
  }
  await deps.orders.markVerified(order.id, order.version);
  return "consistent";
}

/** How long an order may sit in new / awaiting payment before repair looks at it: longer than any live request. */
export const REPAIR_GRACE_MS = 30_000;

/**
 * One repair pass: claims orders in new / awaiting payment not verified since their last change and
 * older than `graceMs`, and settles each. Returns how many it changed.
 */
export async function repairOrders(
  deps: LomsDeps,
  opts: { graceMs: number; batch: number; leaseMs: number },
): Promise<number> {
  let repaired = 0;
  const seen = new Set<bigint>(); // never the same order twice in one pass
  for (;;) {
    const now = deps.clock.now();
    const claimed = await deps.orders.claimStale(
      "repair",
      new Date(now.getTime() - opts.graceMs),
      opts.batch,
      now,
      opts.leaseMs,
    );
    const fresh = claimed.filter((o) => !seen.has(o.id));
    for (const order of fresh) {
      seen.add(order.id);
      if ((await repairOrder(deps, order)) !== "consistent") repaired++;
    }
    if (claimed.length < opts.batch || fresh.length === 0) return repaired;
  }
}
