import { DomainError } from "@route256/platform/errors/domain-error";

/** The message is the course product-service's, which its clients match on. */
export class ProductNotFoundError extends DomainError {
  constructor(readonly sku: bigint) {
    super("not_found", "nothing found by the sku");
  }
}

export class InvalidTokenError extends DomainError {
  constructor() {
    super("unauthenticated", "invalid or missing token in X-API-KEY");
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(limit: number) {
    super("resource_exhausted", `rate limit of ${limit} requests per second exceeded`);
  }
}
