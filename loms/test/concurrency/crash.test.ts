import { describe, expect, test } from "bun:test";
import { DomainError } from "@route256/platform/errors/domain-error";
import type { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { type Order, type OrderItem, OrderStatus } from "../../src/domain/order.ts";
import type { ReservationState, Stock } from "../../src/domain/stock.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import type { StockRepository } from "../../src/service/ports.ts";
import { repairOrders } from "../../src/service/repair-order.ts";
import { Crash, type CrashStep, crashingAfter, withCrashes } from "../support/crash.ts";
import {
  expectedStock,
  idsUpTo,
  memoryLoms,
  readOrders,
  stockFixture,
  stockViolations,
  type TestLoms,
} from "../support/loms.ts";
import { pick, randomInt, seededRandom } from "../support/prng.ts";
import {
  checkedAfterEachCall,
  SpyOrderRepository,
  SpyStockRepository,
  withJitter,
} from "../support/wrappers.ts";

/*
 * LOMS instances that die half-way through their sagas. Every operation may "crash" right after one
 * of its steps (that step's unit of work is committed, nothing after it runs), while other operations
 * go on around it. Afterwards one repair pass must bring every order to its true state and the stock
 * back to SPEC's invariants.
 */

const OPERATIONS = 300;
const LEASE = 1000;

/** Where each kind of operation can die (undefined: it does not). */
const CRASH_POINTS: Record<string, readonly (CrashStep | undefined)[]> = {
  // with an id and nothing else; after the reservation (the order never written); after the order
  // is written (the client never hears)
  create: ["orders.newId", "stocks.reserve", "orders.create"],
  // after the units are sold, before the status says paid
  pay: ["stocks.sell", "orders.changeStatus"],
  // after the units are freed, before the status says cancelled
  cancel: ["stocks.release", "orders.changeStatus"],
  // holding claims it never works on; half-way through a cancel
  expire: ["orders.claimStale", "stocks.release", "stocks.reservationOf"],
  // holding claims (of orders or of reservations); between looking and fixing; after releasing an
  // orphaned reservation or marking found orders seen
  repair: [
    "orders.claimStale",
    "stocks.reservationOf",
    "orders.changeStatus",
    "stocks.claimUnseen",
    "orders.existing",
    "stocks.release",
    "stocks.markOrdersSeen",
  ],
};

/** Scarce stock so creates collide and fail; sku 4 starts over-reserved like the course's 139818428. */
const scarce = stockFixture({ "1": [60, 2], "2": [40, 0], "3": [20, 1], "4": [3, 4] });
const course = STOCK_FIXTURE.filter((s) => [2956315n, 135717466n, 1148162n, 139818428n].includes(s.sku));

/** 1-3 lines; now and then an unknown sku or one with nothing available, so some creates fail. */
function randomItems(random: () => number, fixture: readonly Stock[]): OrderItem[] {
  const soldOut = fixture.filter((s) => s.reserved >= s.totalCount).map((s) => s.sku);
  const skus = fixture.filter((s) => s.reserved < s.totalCount).map((s) => s.sku);
  return Array.from({ length: randomInt(random, 1, 3) }, () => {
    const roll = random();
    const sku =
      roll < 0.03 ? 404n : roll < 0.08 && soldOut.length > 0 ? pick(random, soldOut) : pick(random, skus);
    return { sku, count: randomInt(random, 1, 3) };
  });
}

/** Orders whose status does not match their reservation record: what a crash leaves behind. */
async function halfWay(loms: TestLoms, orders: readonly Order[]): Promise<Order[]> {
  const out: Order[] = [];
  for (const o of orders) {
    const state = await loms.stocks.reservationOf(o.id);
    if (o.status === OrderStatus.New || (o.status === OrderStatus.AwaitingPayment && state !== "reserved"))
      out.push(o);
  }
  return out;
}

/** The orders among ids 1..n (an id OrderCreate died with before writing its order has none). */
async function storedOrders(loms: TestLoms, n: number): Promise<Order[]> {
  const ids: bigint[] = [];
  for (const id of idsUpTo(n)) if (await loms.orders.get(id)) ids.push(id);
  return readOrders(loms.deps, ids);
}

/** Ids among 1..n holding reserved stock with no order: OrderCreate died between its two commits. */
async function orphans(loms: TestLoms, n: number): Promise<bigint[]> {
  const out: bigint[] = [];
  for (const id of idsUpTo(n))
    if (!(await loms.orders.get(id)) && (await loms.stocks.reservationOf(id)) === "reserved") out.push(id);
  return out;
}

/** The reservation records each final status allows (failed: none, or the release abandon leaves). */
const allowedStates: Record<string, readonly (ReservationState | undefined)[]> = {
  [OrderStatus.AwaitingPayment]: ["reserved"],
  [OrderStatus.Paid]: ["sold"],
  [OrderStatus.Cancelled]: ["released"],
  [OrderStatus.Failed]: [undefined, "released"],
};

async function storm(seed: number, fixture: readonly Stock[]) {
  const random = seededRandom(seed);
  const violations: string[] = [];
  const holder: { spy?: SpyOrderRepository; orders?: MemoryOrderRepository } = {};
  let orphansReleased = 0; // reservations released while no order had their id: what repair is for
  const countingOrphans = (stocks: StockRepository) =>
    new SpyStockRepository(stocks, {
      release: async (orderId) => {
        const before = await stocks.release(orderId);
        if (before === "reserved" && !(await holder.orders?.get(orderId))) orphansReleased++;
        return before;
      },
    });
  const loms = memoryLoms({
    fixture,
    wrapOrders: (inner) => {
      holder.orders = inner;
      holder.spy = new SpyOrderRepository(withCrashes(withJitter(inner, random), "orders"));
      return holder.spy;
    },
    wrapStocks: (inner) =>
      withCrashes(
        countingOrphans(
          checkedAfterEachCall(withJitter(inner, random), (method) =>
            violations.push(
              ...stockViolations(fixture, inner.snapshot()).map((v) => `after ${method}: ${v}`),
            ),
          ),
        ),
        "stocks",
      ),
  });
  const spy = holder.spy!;

  // Healthy orders from before the storm.
  for (let i = 0; i < 20; i++) await orderCreate(loms.deps, 1n, randomItems(random, fixture)).catch(() => {});
  loms.clock.advance(1);

  const crashes = new Map<string, number>();
  const made: bigint[] = []; // orders created successfully, for pays and cancels to aim at
  const operations: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < OPERATIONS; i++) {
    const roll = random();
    const kind =
      roll < 0.38
        ? "create"
        : roll < 0.58
          ? "pay"
          : roll < 0.76
            ? "cancel"
            : roll < 0.83
              ? "expire"
              : roll < 0.9
                ? "repair"
                : "tick";
    const delay = randomInt(random, 0, 40); // microtask turns before it starts: spreads the storm
    const userId = BigInt(randomInt(random, 1, 5));
    const items = randomItems(random, fixture);
    const batch = randomInt(random, 1, 3);
    const pickId = random();
    const points = CRASH_POINTS[kind];
    const step = points && random() < 0.35 ? pick(random, points) : undefined;
    const run = (): Promise<unknown> => {
      // Mostly an order that was created; sometimes any id, which may not exist (yet).
      const someId = () =>
        made.length > 0 && pickId < 0.8
          ? (made[Math.floor((pickId / 0.8) * made.length)] as bigint)
          : BigInt(1 + Math.floor(pickId * (spy.calls.newId + 2)));
      switch (kind) {
        case "create":
          return orderCreate(loms.deps, userId, items).then((id) => made.push(id));
        case "pay":
          return orderPay(loms.deps, someId());
        case "cancel":
          return orderCancel(loms.deps, someId());
        case "expire":
          return expireOrders(loms.deps, { ttlMs: 0, batch, leaseMs: LEASE });
        case "repair":
          return repairOrders(loms.deps, { graceMs: 0, batch, leaseMs: LEASE });
        default:
          loms.clock.advance(1);
          return Promise.resolve();
      }
    };
    operations.push(async () => {
      for (let t = 0; t < delay; t++) await Promise.resolve();
      try {
        return await crashingAfter(step, run);
      } catch (err) {
        if (err instanceof Crash)
          crashes.set(`${kind} after ${err.step}`, (crashes.get(`${kind} after ${err.step}`) ?? 0) + 1);
        throw err;
      }
    });
  }
  const results = await Promise.allSettled(operations.map((op) => op()));
  return {
    loms,
    results,
    violations,
    crashes,
    created: () => spy.calls.newId,
    orphansReleased: () => orphansReleased,
  };
}

/** Storm, then leases of dead claimers run out, then one repair pass; returns what to check. */
async function stormThenRepair(seed: number, fixture: readonly Stock[]) {
  const { loms, results, violations, crashes, created, orphansReleased } = await storm(seed, fixture);
  const n = created();
  const broken = await halfWay(loms, await storedOrders(loms, n));
  const orphaned = await orphans(loms, n);
  loms.clock.advance(LEASE + 1);
  const repaired = await repairOrders(loms.deps, { graceMs: 0, batch: 7, leaseMs: LEASE });
  return { loms, results, violations, crashes, n, broken, orphaned, repaired, orphansReleased };
}

/** SPEC's invariants, and every order settled, once nothing is in flight any more. */
async function expectSettled(loms: TestLoms, fixture: readonly Stock[], n: number) {
  const orders = await storedOrders(loms, n);
  expect(await orphans(loms, n)).toEqual([]);
  expect(orders.filter((o) => o.status === OrderStatus.New)).toEqual([]);
  expect(await halfWay(loms, orders)).toEqual([]);
  for (const o of orders) expect(allowedStates[o.status]).toContain(await loms.stocks.reservationOf(o.id));
  // Per sku: total == fixture total − units of paid orders; reserved == fixture reserved + units awaiting.
  expect(loms.stocks.snapshot()).toEqual(expectedStock(fixture, orders));
  return orders;
}

const fixtures = { scarce, course } as const;

describe("crashes half-way through sagas, then one repair pass", () => {
  test.each([
    ["scarce", 1],
    ["scarce", 2],
    ["scarce", 3],
    ["scarce", 77],
    ["course", 5],
    ["course", 6],
  ] as const)("every SPEC invariant holds again (%s fixture, seed %p)", async (which, seed) => {
    const fixture = fixtures[which];
    const { loms, results, violations, crashes, n, broken, orphaned, repaired, orphansReleased } =
      await stormThenRepair(seed, fixture);

    // Only crashes and the refusals the API documents: no bug-shaped errors.
    for (const r of results) {
      if (r.status === "rejected" && !(r.reason instanceof Crash)) {
        expect(r.reason).toBeInstanceOf(DomainError);
        expect(["failed_precondition", "not_found"]).toContain((r.reason as DomainError).kind);
      }
    }
    // The storm really crashed sagas at the interesting places...
    for (const where of [
      "create after orders.newId",
      "create after stocks.reserve",
      "create after orders.create",
      "pay after stocks.sell",
      "cancel after stocks.release",
    ])
      expect(crashes.get(where) ?? 0).toBeGreaterThan(0);
    // ...and left reservations without orders and orders half-way for repair to find; the pass
    // settled each of them once. No order is ever left in "new" any more: it is written settled.
    expect(orphansReleased()).toBeGreaterThan(0);
    expect(broken.some((o) => o.status === OrderStatus.New)).toBe(false);
    expect(repaired).toBe(broken.length + orphaned.length);

    const orders = await expectSettled(loms, fixture, n);
    // Never, at any step of the storm or the repair, reserved < 0, oversold, or total grown.
    expect(violations).toEqual([]);
    // Settled for good: another pass finds nothing to change.
    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 7, leaseMs: LEASE })).toBe(0);
    // The storm really mixed: every final status shows up.
    expect(new Set(orders.map((o) => o.status))).toEqual(
      new Set([OrderStatus.AwaitingPayment, OrderStatus.Paid, OrderStatus.Cancelled, OrderStatus.Failed]),
    );
  });

  // known bug: an order the repair job once found consistent (awaiting payment, units reserved) is
  // marked verified (loms/src/service/repair-order.ts:33) and claimStale("repair") skips verified
  // orders until the ORDER row changes (memory-orders.ts:50; sql/queries/orders.sql ClaimStaleOrders
  // `unverified_only`). But OrderPay / OrderCancel change the reservation first (stocks.sell /
  // stocks.release) and the order row only in their last step: when an instance dies in between, the
  // order stays "awaiting payment" + sold/released with `verified` still set, and no repair pass ever
  // claims it again. Stock invariants stay broken (units sold but the order not paid; or `reserved`
  // lower than the units awaiting payment) until the expiry job happens to settle it at the ttl.
  // In these seeds (about one storm in six) a pay or cancel crashed after an in-storm repair pass
  // had verified its order. See also repair-order.test.ts "orders verified consistent earlier".
  for (const [which, seed] of [
    ["scarce", 5],
    ["scarce", 11],
    ["course", 42],
  ] as const) {
    test(`every SPEC invariant holds again (${which} fixture, seed ${seed}: a verified order's saga crashed)`, async () => {
      const fixture = fixtures[which];
      const { loms, n, broken, orphaned, repaired } = await stormThenRepair(seed, fixture);
      expect(repaired).toBe(broken.length + orphaned.length);
      await expectSettled(loms, fixture, n);
    });
  }

  test.each([
    ["scarce", 5],
    ["scarce", 11],
    ["course", 42],
  ] as const)(
    "what the repair pass misses the expiry job settles at the ttl (%s fixture, seed %p)",
    async (which, seed) => {
      const fixture = fixtures[which];
      const { loms, n } = await stormThenRepair(seed, fixture);
      loms.clock.advance(1);
      await expireOrders(loms.deps, { ttlMs: 0, leaseMs: LEASE });
      const orders = await expectSettled(loms, fixture, n);
      expect(orders.every((o) => o.status !== OrderStatus.AwaitingPayment)).toBe(true);
    },
  );

  // (Seeds whose storm does not hit the known bug above: this one is about exclusive claims.)
  test.each([12, 13, 16])(
    "several instances repairing at once settle each half-way order exactly once (seed %p)",
    async (seed) => {
      const { loms, created } = await storm(seed, scarce);
      const n = created();
      const before = await storedOrders(loms, n);
      const broken = await halfWay(loms, before);
      const orphaned = await orphans(loms, n);
      expect(broken.length + orphaned.length).toBeGreaterThan(0);
      loms.clock.advance(LEASE + 1);

      const counts = await Promise.all(
        [1, 2, 3].map((batch) => repairOrders(loms.deps, { graceMs: 0, batch, leaseMs: LEASE })),
      );

      const orders = await expectSettled(loms, scarce, n);
      const changed = orders.filter((o, i) => o.status !== before[i]?.status);
      expect(changed.map((o) => o.id)).toEqual(broken.map((o) => o.id));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(broken.length + orphaned.length);
      expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);
    },
  );

  test("before the leases of dead claimers run out, their work waits; afterwards it is repaired", async () => {
    const loms = memoryLoms({
      wrapOrders: (inner) => withCrashes(inner, "orders"),
      wrapStocks: (inner) => withCrashes(inner, "stocks"),
    });
    const deps = loms.deps;
    // A create that died between its commits (stock reserved, no order), and a repair instance that
    // dies right after claiming that reservation.
    await crashingAfter("stocks.reserve", () => orderCreate(deps, 1n, [{ sku: 1148162n, count: 2 }])).catch(
      (e) => expect(e).toBeInstanceOf(Crash),
    );
    loms.clock.advance(1);
    await expect(
      crashingAfter("stocks.claimUnseen", () => repairOrders(deps, { graceMs: 0, batch: 5, leaseMs: LEASE })),
    ).rejects.toBeInstanceOf(Crash);

    loms.clock.advance(LEASE - 1);
    expect(await repairOrders(deps, { graceMs: 0, batch: 5, leaseMs: LEASE })).toBe(0);
    expect(await loms.stocks.reservationOf(1n)).toBe("reserved");

    loms.clock.advance(2);
    expect(await repairOrders(deps, { graceMs: 0, batch: 5, leaseMs: LEASE })).toBe(1);
    expect(await loms.stocks.reservationOf(1n)).toBe("released");
    expect(await loms.orders.get(1n)).toBeUndefined();
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });
});
