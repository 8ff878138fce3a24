import { describe, expect, test } from "bun:test";
import { OrderStatusError } from "../../src/domain/errors.ts";
import { type OrderItem, OrderStatus } from "../../src/domain/order.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { orderPay } from "../../src/service/order-pay.ts";
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
import { withJitter } from "../support/wrappers.ts";

const ROUNDS = 200;

function jitteredLoms(seed: number): TestLoms {
  const random = seededRandom(seed);
  return memoryLoms({
    wrapOrders: (inner) => withJitter(inner, random, 6),
    wrapStocks: (inner) => withJitter(inner, random, 6),
  });
}

/** Runs the settled results of one side; all must agree: every call succeeded or every call failed. */
function sideOutcome(results: PromiseSettledResult<unknown>[]): "won" | "lost" {
  const won = results.every((r) => r.status === "fulfilled");
  const lost = results.every((r) => r.status === "rejected");
  expect(won || lost).toBe(true);
  for (const r of results) {
    if (r.status === "rejected") {
      expect(r.reason).toBeInstanceOf(OrderStatusError);
      expect((r.reason as OrderStatusError).kind).toBe("failed_precondition");
    }
  }
  return won ? "won" : "lost";
}

describe("OrderPay racing OrderCancel on the same order", () => {
  test(`exactly one wins, ${ROUNDS} fresh orders; stock follows the winner`, async () => {
    const loms = jitteredLoms(17);
    const random = seededRandom(18);
    const wins = { pay: 0, cancel: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      const items: OrderItem[] = [
        { sku: 1148162n, count: randomInt(random, 1, 3) },
        { sku: 2618151n, count: 1 },
      ];
      const id = await awaitingOrder(loms, items);
      const before = loms.stocks.snapshot();
      const payFirst = round % 2 === 0;
      const [payResult, cancelResult] = payFirst
        ? await Promise.allSettled([orderPay(loms.deps, id), orderCancel(loms.deps, id)])
        : await Promise.allSettled([orderCancel(loms.deps, id), orderPay(loms.deps, id)]).then(([c, p]) => [
            p,
            c,
          ]);
      const pay = sideOutcome([payResult!]);
      const cancel = sideOutcome([cancelResult!]);

      expect([pay, cancel].filter((o) => o === "won")).toHaveLength(1);
      const order = await orderInfo(loms.deps, id);
      expect(await loms.stocks.reservationOf(id)).toBe(reservationOfStatus[order.status]);
      const units = (sku: bigint) => items.find((i) => i.sku === sku)?.count ?? 0;
      if (pay === "won") {
        wins.pay++;
        expect(order.status).toBe(OrderStatus.Paid);
        expect(loms.stocks.snapshot()).toEqual(
          before.map((s) => ({
            ...s,
            totalCount: s.totalCount - units(s.sku),
            reserved: s.reserved - units(s.sku),
          })),
        );
      } else {
        wins.cancel++;
        expect(order.status).toBe(OrderStatus.Cancelled);
        expect(loms.stocks.snapshot()).toEqual(
          before.map((s) => ({ ...s, reserved: s.reserved - units(s.sku) })),
        );
      }
    }

    // Both outcomes really happened: the race was exercised from both sides.
    expect(wins.pay).toBeGreaterThan(0);
    expect(wins.cancel).toBeGreaterThan(0);
    expect(wins.pay + wins.cancel).toBe(ROUNDS);
    expect(loms.stocks.snapshot()).toEqual(
      expectedStock(loms.fixture, await readOrders(loms.deps, idsUpTo(ROUNDS))),
    );
  });

  test("several payers against several cancellers: the winning side all succeed, the losing side all fail", async () => {
    const loms = jitteredLoms(23);
    const seen = new Set<string>();
    for (let round = 0; round < 100; round++) {
      const id = await awaitingOrder(loms, [{ sku: 1148162n, count: 1 }]);
      const calls = Array.from({ length: 6 }, (_, i) =>
        (i + round) % 2 === 0
          ? { kind: "pay", run: () => orderPay(loms.deps, id) }
          : { kind: "cancel", run: () => orderCancel(loms.deps, id) },
      );
      const results = await Promise.allSettled(calls.map((c) => c.run()));
      const pay = sideOutcome(results.filter((_, i) => calls[i]?.kind === "pay"));
      const cancel = sideOutcome(results.filter((_, i) => calls[i]?.kind === "cancel"));
      expect(pay).not.toBe(cancel);
      const status = (await orderInfo(loms.deps, id)).status;
      expect(status).toBe(pay === "won" ? OrderStatus.Paid : OrderStatus.Cancelled);
      seen.add(status);
    }
    expect(seen.size).toBe(2);
    expect(loms.stocks.snapshot()).toEqual(
      expectedStock(loms.fixture, await readOrders(loms.deps, idsUpTo(100))),
    );
  });

  test("a payment racing the expiry job: the order ends paid or cancelled, never both, stock consistent", async () => {
    const loms = jitteredLoms(31);
    const seen = new Set<string>();
    for (let round = 0; round < 100; round++) {
      const id = await awaitingOrder(loms, [{ sku: 2958025n, count: 2 }]);
      loms.clock.advance(1);
      const [pay, expired] = await Promise.allSettled([
        orderPay(loms.deps, id),
        expireOrders(loms.deps, { ttlMs: 0 }),
      ]);
      const status = (await orderInfo(loms.deps, id)).status;
      seen.add(status);
      if (status === OrderStatus.Paid) {
        expect(pay.status).toBe("fulfilled");
        expect(expired).toEqual({ status: "fulfilled", value: 0 });
      } else {
        expect(status).toBe(OrderStatus.Cancelled);
        expect(pay.status).toBe("rejected");
        expect(expired).toEqual({ status: "fulfilled", value: 1 });
      }
      expect(await loms.stocks.reservationOf(id)).toBe(reservationOfStatus[status]);
    }
    expect(seen).toEqual(new Set([OrderStatus.Paid, OrderStatus.Cancelled]));
    expect(loms.stocks.snapshot()).toEqual(
      expectedStock(loms.fixture, await readOrders(loms.deps, idsUpTo(100))),
    );
  });
});
