import { bySku } from "@route256/platform/compare";
import { DomainError } from "@route256/platform/errors/domain-error";

/** Order statuses exactly as they travel on the wire. */
export const OrderStatus = {
  New: "new",
  AwaitingPayment: "awaiting payment",
  Failed: "failed",
  Paid: "paid",
  Cancelled: "cancelled",
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** One line of an order. */
export interface OrderItem {
  readonly sku: bigint;
  readonly count: number;
}

export interface Order {
  readonly id: bigint;
  readonly userId: bigint;
  readonly status: OrderStatus;
  /** Sorted by sku, one line per sku. */
  readonly items: readonly OrderItem[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * Bumped by every status change and whenever a payment or cancellation starts: background jobs
   * act on an order only at the version they looked at.
   */
  readonly version: number;
}

/** The most units one order line can hold: the contract's count is a uint32 (SPEC.md, loms.v1.Item). */
export const MAX_ITEM_COUNT = 4294967295;

/**
 * The lines of a new order: counts of a repeated sku add up, sorted by sku. Sorting matters beyond
 * display: stock rows are locked in this order, so two orders never wait on each other's locks.
 * A sum beyond MAX_ITEM_COUNT is refused here, before anything is stored: such a line could never
 * be read back through the contract (every count on the wire is a uint32).
 */
export function normalizeItems(items: readonly OrderItem[]): OrderItem[] {
  const totals = new Map<bigint, number>();
  for (const { sku, count } of items) {
    // The contract validates requests already; this keeps stock arithmetic safe for any other caller.
    if (sku <= 0n) throw new DomainError("invalid_argument", `invalid sku: must be positive, got ${sku}`);
    if (!Number.isInteger(count) || count <= 0) {
      throw new DomainError(
        "invalid_argument",
        `invalid count: must be a positive whole number, got ${count}`,
      );
    }
    const total = (totals.get(sku) ?? 0) + count;
    if (total > MAX_ITEM_COUNT) {
      throw new DomainError(
        "invalid_argument",
        `invalid items: sku ${sku} totals ${total} units, more than ${MAX_ITEM_COUNT}`,
      );
    }
    totals.set(sku, total);
  }
  return [...totals].map(([sku, count]) => ({ sku, count })).sort(bySku);
}

/**
 * The status graph of SPEC.md:
 *   new → awaiting payment | failed;  awaiting payment → paid | cancelled.
 * failed, paid and cancelled are final.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  new: [OrderStatus.AwaitingPayment, OrderStatus.Failed],
  "awaiting payment": [OrderStatus.Paid, OrderStatus.Cancelled],
  failed: [],
  paid: [],
  cancelled: [],
};

/** The statuses an order may move to `to` from: what a status change compares against. */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return (Object.keys(NEXT) as OrderStatus[]).filter((from) => NEXT[from].includes(to));
}
