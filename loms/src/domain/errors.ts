import { DomainError } from "@route256/platform/errors/domain-error";
import type { OrderStatus } from "./order.ts";

export class OrderNotFoundError extends DomainError {
  constructor(readonly orderId: bigint) {
    super("not_found", `order ${orderId} not found`);
  }
}

/** The order is not in a status that allows the action (e.g. cancelling a paid order). */
export class OrderStatusError extends DomainError {
  constructor(
    readonly orderId: bigint,
    readonly status: OrderStatus,
    action: "pay" | "cancel",
  ) {
    super("failed_precondition", `order ${orderId} is ${status}: cannot ${action} it`);
  }
}

/** OrderCreate could not reserve an item; the order is stored as failed. */
export class InsufficientStockError extends DomainError {
  constructor(
    readonly orderId: bigint,
    readonly sku: bigint,
    readonly requested: number,
    readonly available: number,
  ) {
    super(
      "failed_precondition",
      `order ${orderId} failed: not enough stock for sku ${sku} (requested ${requested}, available ${available})`,
    );
  }
}

/** OrderCreate named an SKU LOMS has no stock record for; the order is stored as failed. */
export class UnknownSkuError extends DomainError {
  constructor(
    readonly orderId: bigint,
    readonly sku: bigint,
  ) {
    super("failed_precondition", `order ${orderId} failed: unknown sku ${sku}`);
  }
}

/** StocksInfo for an SKU LOMS does not stock. */
export class StockNotFoundError extends DomainError {
  constructor(readonly sku: bigint) {
    super("not_found", `no stock for sku ${sku}`);
  }
}

/** The repair job gave up on an order stuck in "new" before its stock was reserved. */
export class ReservationAbandonedError extends DomainError {
  constructor(readonly orderId: bigint) {
    super("failed_precondition", `order ${orderId} failed: its reservation was abandoned`);
  }
}
