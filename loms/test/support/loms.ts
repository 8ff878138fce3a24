import { rejectionOf } from "@route256/testkit/helpers";
import { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { MemoryStockRepository } from "../../src/adapters/memory/memory-stocks.ts";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { normalizeItems, type Order, type OrderItem, OrderStatus } from "../../src/domain/order.ts";
import type { Stock } from "../../src/domain/stock.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import type { LomsDeps, OrderRepository, StockRepository } from "../../src/service/ports.ts";
import { FakeClock } from "./clock.ts";
import { createNew } from "./orders.ts";

/** A LOMS wired to fresh memory repositories and a fake clock; the concrete parts stay reachable. */
export interface TestLoms {
  readonly deps: LomsDeps;
  readonly orders: MemoryOrderRepository;
  readonly stocks: MemoryStockRepository;
  readonly clock: FakeClock;
  readonly fixture: readonly Stock[];
}

export interface TestLomsOptions {
  fixture?: readonly Stock[];
  clock?: FakeClock;
  /** Wraps the memory order repository (spies, stubs, jitter); the memory one stays in `orders`. */
  wrapOrders?: (inner: MemoryOrderRepository) => OrderRepository;
  /** Wraps the memory stock repository; the memory one stays in `stocks`. */
  wrapStocks?: (inner: MemoryStockRepository) => StockRepository;
}

export function memoryLoms(opts: TestLomsOptions = {}): TestLoms {
  const fixture = opts.fixture ?? STOCK_FIXTURE;
  const orders = new MemoryOrderRepository();
  const stocks = new MemoryStockRepository(fixture);
  const clock = opts.clock ?? new FakeClock();
  return {
    deps: {
      orders: opts.wrapOrders ? opts.wrapOrders(orders) : orders,
      stocks: opts.wrapStocks ? opts.wrapStocks(stocks) : stocks,
      clock,
    },
    orders,
    stocks,
    clock,
    fixture,
  };
}

/** A small fixture for tests that want exact, scarce numbers. */
export function stockFixture(rows: Record<string, [total: number, reserved: number]>): Stock[] {
  return Object.entries(rows).map(([sku, [totalCount, reserved]]) => ({
    sku: BigInt(sku),
    totalCount,
    reserved,
  }));
}

export function fixtureRow(fixture: readonly Stock[], sku: bigint): Stock {
  const row = fixture.find((s) => s.sku === sku);
  if (!row) throw new Error(`sku ${sku} is not in the fixture`);
  return row;
}

/** The current stock row of a sku. */
export function stockRow(loms: TestLoms, sku: bigint): Stock {
  return fixtureRow(loms.stocks.snapshot(), sku);
}

// ---- Object mothers: orders in each status, made through the use cases themselves. ----

export const someItems: readonly OrderItem[] = [
  { sku: 1076963n, count: 2 },
  { sku: 1148162n, count: 3 },
];

export async function awaitingOrder(loms: TestLoms, items = someItems, userId = 1n): Promise<bigint> {
  return orderCreate(loms.deps, userId, items);
}

export async function paidOrder(loms: TestLoms, items = someItems, userId = 1n): Promise<bigint> {
  const id = await awaitingOrder(loms, items, userId);
  await orderPay(loms.deps, id);
  return id;
}

export async function cancelledOrder(loms: TestLoms, items = someItems, userId = 1n): Promise<bigint> {
  const id = await awaitingOrder(loms, items, userId);
  await orderCancel(loms.deps, id);
  return id;
}

/** An order stored as failed: it names an sku LOMS does not stock. */
export async function failedOrder(loms: TestLoms, userId = 1n): Promise<bigint> {
  const err = await rejectionOf(orderCreate(loms.deps, userId, [{ sku: 404n, count: 1 }]));
  const orderId = (err as { orderId?: bigint }).orderId;
  if (orderId === undefined) throw err;
  return orderId;
}

/** An order a LOMS before the two-commit OrderCreate left in "new" right after storing it: nothing reserved. */
export async function newOrder(loms: TestLoms, items = someItems, userId = 1n): Promise<Order> {
  return createNew(loms.orders, userId, normalizeItems(items), loms.clock.now());
}

/** An order such a LOMS left in "new" after its stock was reserved, before the status change. */
export async function newReservedOrder(loms: TestLoms, items = someItems, userId = 1n): Promise<Order> {
  const order = await newOrder(loms, items, userId);
  const outcome = await loms.stocks.reserve(order.id, order.items, loms.clock.now());
  if (!outcome.ok) throw new Error(`could not reserve order ${order.id}: ${outcome.reason}`);
  return order;
}

/** Stock reserved under an order id whose order was never written: OrderCreate died between its commits. */
export async function orphanReservation(loms: TestLoms, items = someItems): Promise<bigint> {
  const id = await loms.orders.newId();
  const outcome = await loms.stocks.reserve(id, normalizeItems(items), loms.clock.now());
  if (!outcome.ok) throw new Error(`could not reserve order ${id}: ${outcome.reason}`);
  return id;
}

export async function readOrders(deps: Pick<LomsDeps, "orders">, ids: Iterable<bigint>): Promise<Order[]> {
  const orders: Order[] = [];
  for (const id of ids) orders.push(await orderInfo(deps, id));
  return orders;
}

/** Order ids 1..n, as MemoryOrderRepository hands them out. */
export function idsUpTo(n: number): bigint[] {
  return Array.from({ length: n }, (_, i) => BigInt(i + 1));
}

/**
 * The stock rows SPEC.md's invariants demand, in fixture order: reserved = fixture reserved + units
 * of orders awaiting payment; total = fixture total − units of paid orders.
 */
export function expectedStock(fixture: readonly Stock[], orders: readonly Order[]): Stock[] {
  return fixture.map(({ sku, totalCount, reserved }) => {
    let awaiting = 0;
    let paid = 0;
    for (const order of orders) {
      const units = order.items.filter((i) => i.sku === sku).reduce((n, i) => n + i.count, 0);
      if (order.status === OrderStatus.AwaitingPayment) awaiting += units;
      if (order.status === OrderStatus.Paid) paid += units;
    }
    return { sku, totalCount: totalCount - paid, reserved: reserved + awaiting };
  });
}

/**
 * Stock facts that must hold at EVERY moment, even half-way through a saga: nothing reserved below
 * zero or above what is on hand (for rows that started consistent), and on-hand never below zero.
 * Returns the violations found, empty when all is well.
 */
export function stockViolations(fixture: readonly Stock[], now: readonly Stock[]): string[] {
  const problems: string[] = [];
  for (const row of now) {
    const start = fixtureRow(fixture, row.sku);
    if (row.reserved < 0) problems.push(`sku ${row.sku}: reserved ${row.reserved} < 0`);
    if (row.totalCount < 0) problems.push(`sku ${row.sku}: total ${row.totalCount} < 0`);
    if (start.reserved <= start.totalCount && row.reserved > row.totalCount)
      problems.push(`sku ${row.sku}: oversold, reserved ${row.reserved} > total ${row.totalCount}`);
    if (row.totalCount > start.totalCount) problems.push(`sku ${row.sku}: total grew to ${row.totalCount}`);
  }
  return problems;
}

/** The reservation state each order status implies (failed orders never reserved anything). */
export const reservationOfStatus = {
  [OrderStatus.New]: undefined,
  [OrderStatus.AwaitingPayment]: "reserved",
  [OrderStatus.Failed]: undefined,
  [OrderStatus.Paid]: "sold",
  [OrderStatus.Cancelled]: "released",
} as const;
