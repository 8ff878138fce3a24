import { describe, expect, test } from "bun:test";
import { DomainError } from "@route256/platform/errors/domain-error";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import type { OrderItem } from "../../src/domain/order.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import type { Stock } from "../../src/domain/stock.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import { stocksInfo } from "../../src/service/stocks-info.ts";
import {
  expectedStock,
  idsUpTo,
  memoryLoms,
  readOrders,
  reservationOfStatus,
  stockFixture,
  stockViolations,
} from "../support/loms.ts";
import { pick, randomInt, seededRandom } from "../support/prng.ts";
import { checkedAfterEachCall, SpyOrderRepository, withJitter } from "../support/wrappers.ts";

const OPERATIONS = 200;

/** Scarce stock so creates collide and fail; sku 4 starts over-reserved like the course's 139818428. */
const scarce = stockFixture({ "1": [20, 2], "2": [12, 0], "3": [6, 1], "4": [3, 4] });
const course = STOCK_FIXTURE.filter((s) => [2956315n, 135717466n, 139819069n, 1148162n].includes(s.sku));

function randomItems(random: () => number, skus: readonly bigint[]): OrderItem[] {
  return Array.from({ length: randomInt(random, 1, 3) }, () => ({
    sku: random() < 0.05 ? 404n : pick(random, skus),
    count: randomInt(random, 1, 4),
  }));
}

async function runMix(seed: number, fixture: readonly Stock[]) {
  const random = seededRandom(seed);
  const skus = fixture.map((s) => s.sku);
  const violations: string[] = [];
  const holder: { spy?: SpyOrderRepository } = {};
  const loms = memoryLoms({
    fixture,
    wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(withJitter(inner, random))),
    wrapStocks: (inner) =>
      checkedAfterEachCall(withJitter(inner, random), (method) =>
        violations.push(...stockViolations(fixture, inner.snapshot()).map((v) => `after ${method}: ${v}`)),
      ),
  });
  const spy = holder.spy!;

  // Some orders exist before the storm, old enough for the expiry job to take.
  for (let i = 0; i < 20; i++) await orderCreate(loms.deps, 1n, randomItems(random, skus)).catch(() => {});
  loms.clock.advance(1);

  const known = () => spy.calls.create;
  const operations: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < OPERATIONS; i++) {
    const roll = random();
    const userId = BigInt(randomInt(random, 1, 5));
    const items = randomItems(random, skus);
    const someId = () => BigInt(randomInt(random, 1, known() + 2)); // may not exist yet
    if (roll < 0.4) operations.push(() => orderCreate(loms.deps, userId, items));
    else if (roll < 0.65) operations.push(() => orderPay(loms.deps, someId()));
    else if (roll < 0.9) operations.push(() => orderCancel(loms.deps, someId()));
    else if (roll < 0.95)
      operations.push(() => expireOrders(loms.deps, { ttlMs: 0, batch: randomInt(random, 1, 3) }));
    else
      operations.push(() => stocksInfo(loms.deps, pick(random, skus)).then(() => orderInfo(loms.deps, 1n)));
  }
  const results = await Promise.allSettled(operations.map((run) => run()));
  return { loms, results, violations, created: spy.calls.create };
}

describe("a random mix of create / pay / cancel / expire in parallel", () => {
  test.each([
    ["scarce", 1],
    ["scarce", 2],
    ["scarce", 3],
    ["scarce", 1234],
    ["course", 7],
    ["course", 8],
  ] as const)("keeps every stock invariant (%s fixture, seed %p)", async (which, seed) => {
    const fixture = which === "scarce" ? scarce : course;
    const { loms, results, violations, created } = await runMix(seed, fixture);

    // Only expected refusals: no bug-shaped errors.
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toBeInstanceOf(DomainError);
        expect(["failed_precondition", "not_found"]).toContain((r.reason as DomainError).kind);
      }
    }
    // Never, at any step, reserved < 0, oversold, or total grown.
    expect(violations).toEqual([]);

    const orders = await readOrders(loms.deps, idsUpTo(created));
    // Nothing is left half-way once every call has returned.
    expect(orders.filter((o) => o.status === OrderStatus.New)).toEqual([]);
    for (const order of orders)
      expect(await loms.stocks.reservationOf(order.id)).toBe(reservationOfStatus[order.status]);

    // reserved == fixture reserved + units awaiting payment; total == fixture total − units paid.
    expect(loms.stocks.snapshot()).toEqual(expectedStock(fixture, orders));
    for (const row of loms.stocks.snapshot()) expect(row.reserved).toBeGreaterThanOrEqual(0);

    // The mix really mixed: every final status shows up.
    const statuses = new Set(orders.map((o) => o.status));
    expect(statuses).toEqual(
      new Set([OrderStatus.AwaitingPayment, OrderStatus.Paid, OrderStatus.Cancelled, OrderStatus.Failed]),
    );
  });
});
