import type { CartLine, Product } from "../domain/cart.ts";

// Calls to other services take the incoming request's signal: a client that disconnects cancels
// them. What else the caller sent for them (the products token) rides in the call's async context
// (adapters/products/token.ts), so these signatures carry domain values only.

export interface CartRepository {
  /** Lines sorted by sku; empty when the user has no cart. */
  get(userId: bigint): Promise<CartLine[]>;
  /**
   * Atomically adds `count` units unless the line would then exceed `limit`. Returns the line's
   * count after the call (unchanged when refused), so concurrent adds can never overshoot stock.
   */
  addWithinLimit(
    userId: bigint,
    sku: bigint,
    count: number,
    limit: number,
  ): Promise<{ added: boolean; count: number }>;
  remove(userId: bigint, sku: bigint): Promise<void>;
  clear(userId: bigint): Promise<void>;
  /** Atomically takes the given units out (a line reaching 0 disappears): what checkout ordered. */
  subtract(userId: bigint, lines: readonly CartLine[]): Promise<void>;
}

export interface ProductCatalog {
  /** The product, or undefined when products answered not found. Any other failure throws. */
  getProduct(sku: bigint, signal: AbortSignal): Promise<Product | undefined>;
}

export interface StockService {
  /** Units LOMS can sell now; 0 for an SKU LOMS does not stock. */
  available(sku: bigint, signal: AbortSignal): Promise<number>;
}

export type OrderOutcome =
  | { readonly ok: true; readonly orderId: bigint }
  | { readonly ok: false; readonly reason: string };

export interface OrderService {
  /** Creates a LOMS order; `ok: false` when LOMS could not reserve the stock (failed_precondition). */
  create(userId: bigint, lines: readonly CartLine[], signal: AbortSignal): Promise<OrderOutcome>;
}

export interface CartDeps {
  readonly carts: CartRepository;
  readonly products: ProductCatalog;
  readonly stocks: StockService;
  readonly orders: OrderService;
  /** How many product lookups a cart listing runs at once. */
  readonly listConcurrency: number;
}
