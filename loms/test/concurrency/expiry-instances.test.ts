import { describe, expect, test } from "bun:test";
import { OrderStatus } from "../../src/domain/order.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import { repairOrders } from "../../src/service/repair-order.ts";
import {
  awaitingOrder,
  expectedStock,
  idsUpTo,
  memoryLoms,
  readOrders,
  reservationOfStatus,
  type TestLoms,
} from "../support/loms.ts";
import { randomInt, seededRandom } from "../support/prng.ts";
import { SpyStockRepository, withJitter } from "../support/wrappers.ts";

const TTL = 10 * 60_000;

/** A LOMS whose stock calls are jittered (seeded) and counted per order and method. */
function countedLoms(seed: number) {
  const random = seededRandom(seed);
  const perOrder = { release: new Map<bigint, number>(), sell: new Map<bigint, number>() };
  const count = (m: Map<bigint, number>, id: bigint) => m.set(id, (m.get(id) ?? 0) + 1);
  const loms = memoryLoms({
    wrapOrders: (inner) => withJitter(inner, random),
    wrapStocks: (inner) => {
      const jittered = withJitter(inner, random);
      return new SpyStockRepository(jittered, {
        release: (id) => {
          count(perOrder.release, id);
          return jittered.release(id);
        },
        sell: (id) => {
          count(perOrder.sell, id);
          return jittered.sell(id);
        },
      });
    },
  });
  return { loms, random, perOrder };
}

async function staleOrders(loms: TestLoms, random: () => number, n: number): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await awaitingOrder(loms, [{ sku: 1625903n, count: randomInt(random, 1, 5) }]));
    if (random() < 0.5) loms.clock.advance(1);
  }
  loms.clock.advance(TTL + 1);
  return ids;
}

describe("several LOMS instances running the expiry job at once", () => {
  test.each([1, 2, 3, 42])(
    "never cancel the same order twice and together cancel all (seed %p)",
    async (seed) => {
      const { loms, random, perOrder } = countedLoms(seed);
      const ids = await staleOrders(loms, random, 60);

      const counts = await Promise.all(
        Array.from({ length: 4 }, () =>
          expireOrders(loms.deps, { ttlMs: TTL, batch: randomInt(random, 1, 7) }),
        ),
      );

      expect(counts.reduce((a, b) => a + b, 0)).toBe(ids.length);
      // Exclusive claims: each order went through exactly one instance's cancel.
      for (const id of ids) expect(perOrder.release.get(id)).toBe(1);
      const orders = await readOrders(loms.deps, ids);
      expect(orders.every((o) => o.status === OrderStatus.Cancelled)).toBe(true);
      expect(loms.stocks.snapshot()).toEqual([...loms.fixture]);
      // More than one instance did real work: the claims were shared out.
      expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1);
    },
  );

  test.each([5, 6, 7])(
    "racing customers' payments: each order ends paid or cancelled, counted once (seed %p)",
    async (seed) => {
      const { loms, random, perOrder } = countedLoms(seed);
      const ids = await staleOrders(loms, random, 60);
      const payers = ids.filter(() => random() < 0.4);

      const [counts, payments] = await Promise.all([
        Promise.all(
          Array.from({ length: 3 }, () =>
            expireOrders(loms.deps, { ttlMs: TTL, batch: randomInt(random, 1, 5) }),
          ),
        ),
        Promise.allSettled(payers.map((id) => orderPay(loms.deps, id))),
      ]);

      const orders = await readOrders(loms.deps, ids);
      const cancelled = orders.filter((o) => o.status === OrderStatus.Cancelled);
      const paid = orders.filter((o) => o.status === OrderStatus.Paid);
      expect(cancelled.length + paid.length).toBe(ids.length);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(cancelled.length);
      // A payment succeeded exactly for the paid orders; only payers are paid.
      const paidIds = new Set(paid.map((o) => o.id));
      expect(payments.map((p) => p.status === "fulfilled")).toEqual(payers.map((id) => paidIds.has(id)));
      for (const o of paid) expect(payers).toContain(o.id);
      // Never released twice by the instances (a payment's sell is not counted here).
      for (const id of ids) expect(perOrder.release.get(id) ?? 0).toBeLessThanOrEqual(1);
      for (const o of orders)
        expect(await loms.stocks.reservationOf(o.id)).toBe(reservationOfStatus[o.status]);
      expect(loms.stocks.snapshot()).toEqual(expectedStock(loms.fixture, orders));
      expect(paid.length).toBeGreaterThan(0);
      expect(cancelled.length).toBeGreaterThan(0);
    },
  );

  test.each([8, 9])("the expiry and repair jobs of several instances together (seed %p)", async (seed) => {
    const { loms, random, perOrder } = countedLoms(seed);
    const ids = await staleOrders(loms, random, 40);
    // A few payments cut short by a crash: sold, status never written.
    const cutShort = ids.filter(() => random() < 0.25);
    for (const id of cutShort) await loms.stocks.sell(id); // the memory store itself: not counted

    const runs = await Promise.all([
      expireOrders(loms.deps, { ttlMs: TTL, batch: 3 }),
      repairOrders(loms.deps, { graceMs: 0, batch: 4, leaseMs: 60_000 }),
      expireOrders(loms.deps, { ttlMs: TTL, batch: 5 }),
      repairOrders(loms.deps, { graceMs: 0, batch: 2, leaseMs: 60_000 }),
    ]);

    const orders = await readOrders(loms.deps, idsUpTo(ids.length));
    for (const o of orders) {
      expect(o.status).toBe(cutShort.includes(o.id) ? OrderStatus.Paid : OrderStatus.Cancelled);
      expect(perOrder.release.get(o.id) ?? 0).toBeLessThanOrEqual(1);
    }
    expect((runs[0] ?? 0) + (runs[2] ?? 0)).toBe(ids.length - cutShort.length);
    expect(loms.stocks.snapshot()).toEqual(expectedStock(loms.fixture, orders));
  });
});
