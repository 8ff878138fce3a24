import { DomainError } from "@route256/platform/errors/domain-error";
import { orderCancel } from "./order-cancel.ts";
import { orderPay } from "./order-pay.ts";
import type { LomsDeps } from "./ports.ts";

/** A result from the payments topic (seed 004's saga). */
export interface PaymentResult {
  readonly idempotentKey: string;
  readonly orderId: bigint;
  readonly status: "COMPLETED" | "FAILED";
}

export type PaymentOutcome = "applied" | "duplicate" | "refused";

/**
 * Applies a payment result: COMPLETED pays the order, FAILED cancels it and returns its stock. The
 * key is recorded in the same unit of work as the status change, so a redelivered message changes
 * nothing ("duplicate"). A result the order's status does not allow (paying a cancelled order, an
 * unknown order) is "refused": reported, never retried forever.
 */
export async function applyPayment(deps: LomsDeps, result: PaymentResult): Promise<PaymentOutcome> {
  if (await deps.orders.paymentApplied(result.idempotentKey)) return "duplicate";
  try {
    if (result.status === "COMPLETED") await orderPay(deps, result.orderId, result.idempotentKey);
    else await orderCancel(deps, result.orderId, result.idempotentKey);
    return "applied";
  } catch (err) {
    if (err instanceof DomainError) return "refused";
    throw err;
  }
}
