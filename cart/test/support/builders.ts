import { MemoryCartRepository } from "../../src/adapters/memory/memory-carts.ts";
import type { CartLine, Product } from "../../src/domain/cart.ts";
import type { CartDeps } from "../../src/service/ports.ts";
import { FakeOrderService, FakeProductCatalog, FakeStockService } from "./fakes.ts";

/** Products of the shipped catalog (SPEC.md, Products). */
export const BOOK: Product = { sku: 1076963n, name: "Теория нравственных чувств | Смит Адам", price: 3379 };
export const COOK: Product = { sku: 1148162n, name: "Кулинар Гуров", price: 2931 };
export const TALES: Product = { sku: 1625903n, name: "Сказки звездного неба", price: 1423 };
export const DRESS: Product = { sku: 139275865n, name: "Платье oodji Collection", price: 634 };

export const USER = 42n;

let nextSku = 5_000_000n;

/** A product; unless given, a fresh sku, a name derived from it and a price of 100. */
export function aProduct(overrides: Partial<Product> = {}): Product {
  const sku = overrides.sku ?? nextSku++;
  return { sku, name: `product ${sku}`, price: 100, ...overrides };
}

export function aLine(sku: bigint, count: number): CartLine {
  return { sku, count };
}

/** The signal of a caller that stays. */
export function aSignal(): AbortSignal {
  return new AbortController().signal;
}

/** Cart's dependencies, all in memory, with handles on each fake. */
export interface CartWorld {
  readonly deps: CartDeps;
  readonly carts: MemoryCartRepository;
  readonly products: FakeProductCatalog;
  readonly stocks: FakeStockService;
  readonly orders: FakeOrderService;
  /** Puts products in the catalog with `available` units each in LOMS. */
  stock(available: number, ...products: Product[]): CartWorld;
}

export function aCartWorld(opts: { listConcurrency?: number } = {}): CartWorld {
  const carts = new MemoryCartRepository();
  const products = new FakeProductCatalog();
  const stocks = new FakeStockService();
  const orders = new FakeOrderService();
  const deps: CartDeps = { carts, products, stocks, orders, listConcurrency: opts.listConcurrency ?? 10 };
  const world: CartWorld = {
    deps,
    carts,
    products,
    stocks,
    orders,
    stock(available, ...items) {
      products.add(...items);
      for (const p of items) stocks.set(p.sku, available);
      return world;
    },
  };
  return world;
}
