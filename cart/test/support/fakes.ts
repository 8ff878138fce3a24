import { productsToken } from "../../src/adapters/products/token.ts";
import type { CartLine, Product } from "../../src/domain/cart.ts";
import type { OrderOutcome, OrderService, ProductCatalog, StockService } from "../../src/service/ports.ts";

/** What a call to another service got: its signal, and the products token in its context. */
export interface CallSeen {
  readonly signal: AbortSignal;
  readonly token: string | undefined;
}

function seen(signal: AbortSignal): CallSeen {
  return { signal, token: productsToken() };
}

export interface ProductCall extends CallSeen {
  readonly sku: bigint;
}

/** A product call parked by FakeProductCatalog.hold until the test lets it answer. */
export interface HeldCall {
  readonly sku: bigint;
  readonly signal: AbortSignal;
  release(): void;
}

/**
 * A products service in memory: a map of products, a log of every call with the context it got,
 * the number of calls running now and at most, and two switches for concurrency tests: `hold`
 * parks every call until the test releases it (a parked call gives up when its signal aborts, as a
 * real HTTP call would), and `failWith` makes one sku's calls throw.
 */
export class FakeProductCatalog implements ProductCatalog {
  private readonly products = new Map<bigint, Product>();
  private readonly failures = new Map<bigint, unknown>();
  readonly calls: ProductCall[] = [];
  /** Calls parked now, oldest first. */
  readonly held: HeldCall[] = [];
  /** Calls that ended because their signal aborted while parked. */
  aborted = 0;
  hold = false;
  active = 0;
  peak = 0;

  constructor(products: Iterable<Product> = []) {
    for (const p of products) this.products.set(p.sku, p);
  }

  add(...products: Product[]): this {
    for (const p of products) this.products.set(p.sku, p);
    return this;
  }

  delete(sku: bigint): void {
    this.products.delete(sku);
  }

  failWith(sku: bigint, error: unknown): void {
    this.failures.set(sku, error);
  }

  async getProduct(sku: bigint, signal: AbortSignal): Promise<Product | undefined> {
    this.calls.push({ sku, ...seen(signal) });
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      if (this.hold) await this.park(sku, signal);
      if (this.failures.has(sku)) throw this.failures.get(sku);
      return this.products.get(sku);
    } finally {
      this.active--;
    }
  }

  /** Lets the oldest parked call answer; false when none is parked. */
  releaseNext(): boolean {
    const call = this.held[0];
    call?.release();
    return call !== undefined;
  }

  releaseAll(): void {
    while (this.releaseNext()) {}
  }

  private park(sku: bigint, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call: HeldCall = {
        sku,
        signal,
        release: () => {
          this.unpark(call);
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.unpark(call);
        this.aborted++;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.held.push(call);
    });
  }

  private unpark(call: HeldCall): void {
    const i = this.held.indexOf(call);
    if (i >= 0) this.held.splice(i, 1);
  }
}

/** LOMS stock in memory: units available per sku, 0 for a sku it does not stock. */
export class FakeStockService implements StockService {
  private readonly stock = new Map<bigint, number>();
  readonly calls: ProductCall[] = [];

  set(sku: bigint, available: number): this {
    this.stock.set(sku, available);
    return this;
  }

  async available(sku: bigint, signal: AbortSignal): Promise<number> {
    this.calls.push({ sku, ...seen(signal) });
    return this.stock.get(sku) ?? 0;
  }
}

export interface OrderCall extends CallSeen {
  readonly userId: bigint;
  readonly lines: CartLine[];
}

/**
 * LOMS orders in memory: accepts every order (ids 1, 2, ...) until told to reject. `during` runs
 * inside create before it answers, so a test can act while an order is being created.
 */
export class FakeOrderService implements OrderService {
  readonly calls: OrderCall[] = [];
  during?: () => Promise<void>;
  private rejection: string | undefined;
  private nextId: bigint;

  constructor(firstOrderId = 1n) {
    this.nextId = firstOrderId;
  }

  reject(reason: string): this {
    this.rejection = reason;
    return this;
  }

  async create(userId: bigint, lines: readonly CartLine[], signal: AbortSignal): Promise<OrderOutcome> {
    this.calls.push({ userId, lines: lines.map((l) => ({ ...l })), ...seen(signal) });
    await this.during?.();
    if (this.rejection !== undefined) return { ok: false, reason: this.rejection };
    return { ok: true, orderId: this.nextId++ };
  }
}
