import { DomainError } from "@route256/platform/errors/domain-error";

export class CartEmptyError extends DomainError {
  constructor(readonly userId: bigint) {
    super("not_found", `cart of user ${userId} is empty`);
  }
}

/** Only a not-found answer from products means this; other product failures are 5xx. */
export class UnknownProductError extends DomainError {
  constructor(readonly sku: bigint) {
    super("failed_precondition", `product ${sku} not found`);
  }
}

export class NotEnoughStockError extends DomainError {
  constructor(
    readonly sku: bigint,
    readonly wanted: number,
    readonly available: number,
  ) {
    super("failed_precondition", `sku ${sku}: the cart would hold ${wanted}, only ${available} in stock`);
  }
}

/** LOMS could not reserve the cart's stock; the cart is kept. */
export class CheckoutRejectedError extends DomainError {
  constructor(
    readonly userId: bigint,
    reason: string,
  ) {
    super("failed_precondition", `checkout of user ${userId} rejected: ${reason}`);
  }
}
