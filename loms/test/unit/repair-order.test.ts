import { describe, expect, test } from "bun:test";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { type Order, OrderStatus } from "../../src/domain/order.ts";
import { expireOrders } from "../../src/service/expire-orders.ts";
import { orderCancel } from "../../src/service/order-cancel.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { orderPay } from "../../src/service/order-pay.ts";
import { REPAIR_GRACE_MS, repairOrder, repairOrders } from "../../src/service/repair-order.ts";
import { Crash, crashingAfter, withCrashes } from "../support/crash.ts";
import {
  awaitingOrder,
  cancelledOrder,
  expectedStock,
  failedOrder,
  idsUpTo,
  memoryLoms,
  newOrder,
  newReservedOrder,
  orphanReservation,
  paidOrder,
  readOrders,
  stockRow,
  type TestLoms,
} from "../support/loms.ts";
import { SpyOrderRepository, SpyStockRepository } from "../support/wrappers.ts";

const SECOND = 1000;
const LEASE = 60 * SECOND;

/** The order as a job would have claimed it now. */
async function current(loms: TestLoms, id: bigint): Promise<Order> {
  const order = await loms.orders.get(id);
  if (!order) throw new Error(`no order ${id}`);
  return order;
}

/** Stock rows match SPEC's invariants for every order 1..n. */
async function expectInvariants(loms: TestLoms, n: number) {
  expect(loms.stocks.snapshot()).toEqual(
    expectedStock(loms.fixture, await readOrders(loms.deps, idsUpTo(n))),
  );
}

function spiedLoms() {
  const holder: { spy?: SpyOrderRepository } = {};
  const loms = memoryLoms({ wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner)) });
  return { loms, spy: holder.spy! };
}

describe("repairOrder", () => {
  test("new + reserved → awaiting payment (created and reserved, the status never written)", async () => {
    const loms = memoryLoms();
    const order = await newReservedOrder(loms, [{ sku: 1076963n, count: 4 }]);
    const reserved = loms.stocks.snapshot();
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, order)).toBe("awaiting payment");

    const after = await current(loms, order.id);
    expect(after).toEqual({
      ...order,
      status: OrderStatus.AwaitingPayment,
      updatedAt: loms.clock.now(),
      version: order.version + 1,
    });
    expect(loms.stocks.snapshot()).toEqual(reserved);
    expect(stockRow(loms, 1076963n).reserved).toBe(35 + 4);
    await expectInvariants(loms, 1);
    // From here it is an ordinary order: it can be paid.
    await orderPay(loms.deps, order.id);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 296, reserved: 35 });
  });

  test("new + no reservation → failed, and a later reserve for that order is settled (released)", async () => {
    const loms = memoryLoms();
    const order = await newOrder(loms, [{ sku: 1076963n, count: 4 }]);
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, order)).toBe("failed");

    expect(await current(loms, order.id)).toEqual({
      ...order,
      status: OrderStatus.Failed,
      updatedAt: loms.clock.now(),
      version: order.version + 1,
    });
    expect(await loms.stocks.reservationOf(order.id)).toBe("released");
    expect(await loms.stocks.reserve(order.id, order.items, loms.clock.now())).toEqual({
      ok: false,
      reason: "settled",
      state: "released",
    });
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("new + no reservation, abandoned: a reserve that comes later is refused (settled), nothing held", async () => {
    const loms = memoryLoms();
    const order = await newOrder(loms);
    loms.clock.advance(REPAIR_GRACE_MS + 1);
    expect(await repairOrder(loms.deps, await current(loms, order.id))).toBe("failed");
    expect(await loms.stocks.reserve(order.id, order.items, loms.clock.now())).toEqual({
      ok: false,
      reason: "settled",
      state: "released",
    });
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("new + no reservation when looked at, but the create reserves before abandon: → awaiting payment", async () => {
    const loms = memoryLoms({
      wrapStocks: (inner) =>
        new SpyStockRepository(inner, {
          abandon: async (orderId) => {
            // The live create's reserve lands between repair's look and its abandon.
            await inner.reserve(orderId, [{ sku: 1076963n, count: 4 }], loms.clock.now());
            return inner.abandon(orderId);
          },
        }),
    });
    const order = await newOrder(loms, [{ sku: 1076963n, count: 4 }]);
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, order)).toBe("awaiting payment");
    expect((await current(loms, order.id)).status).toBe(OrderStatus.AwaitingPayment);
    expect(await loms.stocks.reservationOf(order.id)).toBe("reserved");
    await expectInvariants(loms, 1);
  });

  test("new + released (a cancel or an earlier repair left a release record) → failed", async () => {
    const loms = memoryLoms();
    const order = await newOrder(loms, [{ sku: 1076963n, count: 4 }]);
    expect(await loms.stocks.release(order.id)).toBeUndefined();
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, order)).toBe("failed");
    expect((await current(loms, order.id)).status).toBe(OrderStatus.Failed);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("awaiting payment + sold → paid (a payment stopped between stock and status), stock unchanged", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
    await loms.stocks.sell(id);
    const sold = loms.stocks.snapshot();
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, await current(loms, id))).toBe("paid");

    const after = await current(loms, id);
    expect(after.status).toBe(OrderStatus.Paid);
    expect(after.updatedAt).toEqual(loms.clock.now());
    expect(loms.stocks.snapshot()).toEqual(sold);
    expect(stockRow(loms, 1076963n)).toEqual({ sku: 1076963n, totalCount: 296, reserved: 35 });
    await expectInvariants(loms, 1);
  });

  test("awaiting payment + released → cancelled (a cancellation stopped half-way), stock unchanged", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
    await loms.stocks.release(id);
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, await current(loms, id))).toBe("cancelled");

    const after = await current(loms, id);
    expect(after.status).toBe(OrderStatus.Cancelled);
    expect(after.updatedAt).toEqual(loms.clock.now());
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("awaiting payment + reserved → consistent: nothing changes, and the next repair pass skips it", async () => {
    const { loms, spy } = spiedLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
    const before = await current(loms, id);
    const stock = loms.stocks.snapshot();
    loms.clock.advance(SECOND);

    expect(await repairOrder(loms.deps, before)).toBe("consistent");

    expect(await current(loms, id)).toEqual(before);
    expect(loms.stocks.snapshot()).toEqual(stock);
    expect(spy.calls.markVerified).toBe(1);
    expect(await loms.orders.claimStale("repair", loms.clock.now(), 10, loms.clock.now(), LEASE)).toEqual([]);
    loms.clock.advance(2 * LEASE);
    expect(await loms.orders.claimStale("repair", loms.clock.now(), 10, loms.clock.now(), LEASE)).toEqual([]);
    // Verified is not exempt from expiry: the order still expires on time.
    expect(await expireOrders(loms.deps, { ttlMs: SECOND })).toBe(1);
  });

  test("final statuses are left alone", async () => {
    const loms = memoryLoms();
    const ids = [await paidOrder(loms), await cancelledOrder(loms), await failedOrder(loms)];
    const stock = loms.stocks.snapshot();
    const before = await readOrders(loms.deps, ids);
    loms.clock.advance(SECOND);
    for (const order of before) expect(await repairOrder(loms.deps, order)).toBe("consistent");
    expect(await readOrders(loms.deps, ids)).toEqual(before);
    expect(loms.stocks.snapshot()).toEqual(stock);
  });

  describe("a status that changed after the order was claimed", () => {
    test("is never overwritten: new, claimed; then created for real and paid → stays paid", async () => {
      const loms = memoryLoms();
      const claimed = await newReservedOrder(loms, [{ sku: 1076963n, count: 4 }]);
      // The live create finishes and the customer pays, after the repair job claimed the order.
      await loms.orders.changeStatus(
        claimed.id,
        [OrderStatus.New],
        OrderStatus.AwaitingPayment,
        loms.clock.now(),
      );
      await orderPay(loms.deps, claimed.id);
      const paid = await current(loms, claimed.id);
      loms.clock.advance(SECOND);

      expect(await repairOrder(loms.deps, claimed)).toBe("consistent");
      expect(await current(loms, claimed.id)).toEqual(paid);
      await expectInvariants(loms, 1);
    });

    test("is never overwritten: awaiting payment, claimed; then cancelled by its user → stays cancelled", async () => {
      const loms = memoryLoms();
      const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
      const claimed = await current(loms, id);
      loms.clock.advance(SECOND);
      await loms.stocks.release(id);
      await loms.orders.changeStatus(
        id,
        [OrderStatus.AwaitingPayment],
        OrderStatus.Cancelled,
        loms.clock.now(),
      );
      const cancelled = await current(loms, id);
      loms.clock.advance(SECOND);

      await repairOrder(loms.deps, claimed);
      expect(await current(loms, id)).toEqual(cancelled);
      expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    });

    test("a consistent order is verified at the version checked, so a later change counts", async () => {
      const verified: unknown[][] = [];
      const loms = memoryLoms({
        wrapOrders: (inner) =>
          new SpyOrderRepository(inner, {
            markVerified: (...args) => {
              verified.push(args);
              return inner.markVerified(...args);
            },
          }),
      });
      const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
      const claimed = await current(loms, id);
      loms.clock.advance(SECOND);
      expect(await repairOrder(loms.deps, claimed)).toBe("consistent");
      expect(verified).toEqual([[id, claimed.version]]);
    });

    // known bug: loms/src/service/repair-order.ts:21 reports a move as made whenever the order ends in
    // the target status — also when a live request moved it there after the claim and repair's own
    // compare-and-set changed nothing. repairOrders (line 50) then counts it, and the repair job logs
    // orders it never repaired. The move should count only if this changeStatus made the change.
    test("reports consistent when a live request already made the same move", async () => {
      const loms = memoryLoms();
      const claimed = await newReservedOrder(loms, [{ sku: 1076963n, count: 4 }]);
      // The slow create finishes after the repair job claimed the order.
      await loms.orders.changeStatus(
        claimed.id,
        [OrderStatus.New],
        OrderStatus.AwaitingPayment,
        loms.clock.now(),
      );
      loms.clock.advance(SECOND);
      expect(await repairOrder(loms.deps, claimed)).toBe("consistent");
    });

    test("the same move made by a live request is not made twice", async () => {
      const loms = memoryLoms();
      const claimed = await newReservedOrder(loms, [{ sku: 1076963n, count: 4 }]);
      await loms.orders.changeStatus(
        claimed.id,
        [OrderStatus.New],
        OrderStatus.AwaitingPayment,
        loms.clock.now(),
      );
      const created = await current(loms, claimed.id);
      loms.clock.advance(SECOND);
      await repairOrder(loms.deps, claimed);
      expect(await current(loms, claimed.id)).toEqual(created); // updatedAt not rewritten either
      await expectInvariants(loms, 1);
    });
  });
});

describe("repairOrders", () => {
  /** One order in each half-way state, plus healthy ones; ids in comments. */
  async function halfWay(loms: TestLoms) {
    await newReservedOrder(loms, [{ sku: 1076963n, count: 1 }]); // 1: new + reserved
    await newOrder(loms, [{ sku: 1076963n, count: 2 }]); // 2: new, nothing reserved
    const sold = await awaitingOrder(loms, [{ sku: 1148162n, count: 3 }]); // 3: awaiting + sold
    await loms.stocks.sell(sold);
    const released = await awaitingOrder(loms, [{ sku: 1148162n, count: 4 }]); // 4: awaiting + released
    await loms.stocks.release(released);
    await awaitingOrder(loms, [{ sku: 2956315n, count: 5 }]); // 5: awaiting + reserved: consistent
    await paidOrder(loms, [{ sku: 2956315n, count: 6 }]); // 6: paid
  }

  test("settles every half-way order older than the grace; returns how many it changed", async () => {
    const loms = memoryLoms();
    await halfWay(loms);
    loms.clock.advance(REPAIR_GRACE_MS + 1);

    expect(await repairOrders(loms.deps, { graceMs: REPAIR_GRACE_MS, batch: 100, leaseMs: LEASE })).toBe(4);

    const statuses = (await readOrders(loms.deps, idsUpTo(6))).map((o) => o.status);
    expect(statuses).toEqual([
      OrderStatus.AwaitingPayment,
      OrderStatus.Failed,
      OrderStatus.Paid,
      OrderStatus.Cancelled,
      OrderStatus.AwaitingPayment,
      OrderStatus.Paid,
    ]);
    await expectInvariants(loms, 6);
    // Settled: a second pass changes nothing.
    expect(await repairOrders(loms.deps, { graceMs: REPAIR_GRACE_MS, batch: 100, leaseMs: LEASE })).toBe(0);
  });

  test("orders younger than the grace (possibly live requests) are untouched; exactly grace old too", async () => {
    const loms = memoryLoms();
    await newOrder(loms); // 1
    loms.clock.advance(1);
    await newOrder(loms); // 2
    loms.clock.advance(REPAIR_GRACE_MS);
    // 1 is grace + 1 ms old, 2 exactly grace old.

    expect(await repairOrders(loms.deps, { graceMs: REPAIR_GRACE_MS, batch: 10, leaseMs: LEASE })).toBe(1);
    expect((await readOrders(loms.deps, idsUpTo(2))).map((o) => o.status)).toEqual([
      OrderStatus.Failed,
      OrderStatus.New,
    ]);
    expect(await loms.stocks.reservationOf(2n)).toBeUndefined();

    loms.clock.advance(1);
    expect(await repairOrders(loms.deps, { graceMs: REPAIR_GRACE_MS, batch: 10, leaseMs: LEASE })).toBe(1);
    expect((await current(loms, 2n)).status).toBe(OrderStatus.Failed);
  });

  test.each([
    [7, 2, 4],
    [6, 2, 4],
    [5, 1, 6],
    [3, 100, 1],
  ])("%p orders left in new, batch %p: all repaired in %p claims", async (n, batch, claims) => {
    const { loms, spy } = spiedLoms();
    for (let i = 0; i < n; i++) {
      await newReservedOrder(loms, [{ sku: 1625903n, count: i + 1 }]);
      loms.clock.advance(1);
    }
    loms.clock.advance(1);

    expect(await repairOrders(loms.deps, { graceMs: 0, batch, leaseMs: LEASE })).toBe(n);

    const orders = await readOrders(loms.deps, idsUpTo(n));
    expect(orders.every((o) => o.status === OrderStatus.AwaitingPayment)).toBe(true);
    expect(spy.calls.claimStale).toBe(claims);
    await expectInvariants(loms, n);
  });

  test("consistent orders fill whole batches without stopping the pass: verified ones are not claimed again", async () => {
    const { loms, spy } = spiedLoms();
    for (let i = 0; i < 5; i++) await awaitingOrder(loms, [{ sku: 1625903n, count: 1 }]); // 1-5: consistent
    loms.clock.advance(1);
    await newOrder(loms); // 6: younger, left in new
    loms.clock.advance(1);

    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 2, leaseMs: LEASE })).toBe(1);
    expect((await current(loms, 6n)).status).toBe(OrderStatus.Failed);
    expect(spy.calls.claimStale).toBe(4); // [1,2] [3,4] [5,6] and an empty look
    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 2, leaseMs: LEASE })).toBe(0);
    expect(spy.calls.claimStale).toBe(5); // nothing left to claim: one look
  });

  test("claims on the injected clock with the grace, batch and lease given", async () => {
    const seen: unknown[][] = [];
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          claimStale: (...args) => {
            seen.push(args);
            return inner.claimStale(...args);
          },
        }),
    });
    loms.clock.set("2025-03-01T12:00:00.000Z");
    const now = loms.clock.now();
    await repairOrders(loms.deps, { graceMs: 5 * SECOND, batch: 3, leaseMs: 7 * SECOND });
    expect(seen).toEqual([["repair", new Date(now.getTime() - 5 * SECOND), 3, now, 7 * SECOND]]);
  });

  test("an order another instance holds a claim on is left to it until the lease runs out", async () => {
    const loms = memoryLoms();
    await newOrder(loms);
    loms.clock.advance(1);
    expect(
      await loms.orders.claimStale("repair", loms.clock.now(), 10, loms.clock.now(), LEASE),
    ).toHaveLength(1);

    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).toBe(0);
    expect((await current(loms, 1n)).status).toBe(OrderStatus.New);

    loms.clock.advance(LEASE + 1); // the other instance died holding it
    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).toBe(1);
    expect((await current(loms, 1n)).status).toBe(OrderStatus.Failed);
  });

  test("an infrastructure failure is not swallowed", async () => {
    const loms = memoryLoms({
      wrapStocks: (inner) =>
        new SpyStockRepository(inner, { reservationOf: async () => Promise.reject(new Error("db down")) }),
    });
    await newOrder(loms);
    loms.clock.advance(1);
    await expect(repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).rejects.toThrow(
      "db down",
    );
    expect((await current(loms, 1n)).status).toBe(OrderStatus.New);
  });
});

describe("orders verified consistent earlier, whose pay or cancel then crashed half-way", () => {
  function crashingLoms() {
    return memoryLoms({
      wrapOrders: (inner) => withCrashes(inner, "orders"),
      wrapStocks: (inner) => withCrashes(inner, "stocks"),
    });
  }

  /** An order awaiting payment that a repair pass has looked at and found consistent. */
  async function verifiedOrder(loms: TestLoms): Promise<bigint> {
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 4 }]);
    loms.clock.advance(SECOND);
    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).toBe(0);
    return id;
  }

  // Pay and cancel unverify the order before touching stock, so once the verifying pass's claim
  // has run out, the next repair pass settles a saga a crash cut short.
  test("a payment cut short after selling: the next repair pass settles it as paid", async () => {
    const loms = crashingLoms();
    const id = await verifiedOrder(loms);
    await expect(crashingAfter("stocks.sell", () => orderPay(loms.deps, id))).rejects.toBeInstanceOf(Crash);
    loms.clock.advance(LEASE + SECOND); // the verifying pass's claim runs out first

    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).toBe(1);
    expect((await current(loms, id)).status).toBe(OrderStatus.Paid);
    await expectInvariants(loms, 1);
  });

  // known bug: the same as above, for a cancellation cut short after releasing.
  test("a cancellation cut short after releasing: the next repair pass settles it as cancelled", async () => {
    const loms = crashingLoms();
    const id = await verifiedOrder(loms);
    await expect(crashingAfter("stocks.release", () => orderCancel(loms.deps, id))).rejects.toBeInstanceOf(
      Crash,
    );
    loms.clock.advance(LEASE + SECOND); // the verifying pass's claim runs out first

    expect(await repairOrders(loms.deps, { graceMs: 0, batch: 10, leaseMs: LEASE })).toBe(1);
    expect((await current(loms, id)).status).toBe(OrderStatus.Cancelled);
    await expectInvariants(loms, 1);
  });

  test("the expiry job still settles them when their ttl runs out", async () => {
    const loms = crashingLoms();
    const sold = await verifiedOrder(loms);
    const released = await verifiedOrder(loms);
    await expect(crashingAfter("stocks.sell", () => orderPay(loms.deps, sold))).rejects.toBeInstanceOf(Crash);
    await expect(
      crashingAfter("stocks.release", () => orderCancel(loms.deps, released)),
    ).rejects.toBeInstanceOf(Crash);
    loms.clock.advance(LEASE + SECOND); // the verifying repair pass's claim runs out first

    expect(await expireOrders(loms.deps, { ttlMs: 0 })).toBe(0); // released earlier: not this run's cancel
    expect((await current(loms, sold)).status).toBe(OrderStatus.Paid);
    expect((await current(loms, released)).status).toBe(OrderStatus.Cancelled);
    await expectInvariants(loms, 2);
  });
});

describe("reservations whose order never appeared (OrderCreate died between its two commits)", () => {
  const opts = { graceMs: REPAIR_GRACE_MS, batch: 2, leaseMs: LEASE };

  test("older than the grace period: released, its units free again; younger ones wait", async () => {
    const loms = memoryLoms();
    const old = await orphanReservation(loms, [{ sku: 1076963n, count: 4 }]);
    loms.clock.advance(REPAIR_GRACE_MS);
    const young = await orphanReservation(loms, [{ sku: 1148162n, count: 2 }]);
    loms.clock.advance(1);

    expect(await repairOrders(loms.deps, opts)).toBe(1);
    expect(await loms.stocks.reservationOf(old)).toBe("released");
    expect(await loms.stocks.reservationOf(young)).toBe("reserved");
    expect(stockRow(loms, 1076963n).reserved).toBe(35);

    loms.clock.advance(REPAIR_GRACE_MS);
    expect(await repairOrders(loms.deps, opts)).toBe(1);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    expect(await loms.orders.get(old)).toBeUndefined(); // repair creates no orders
  });

  test("reservations whose order exists are left alone and never looked at again", async () => {
    const holder: { spy?: SpyOrderRepository } = {};
    const loms = memoryLoms({ wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner)) });
    const ids = [await awaitingOrder(loms), await awaitingOrder(loms), await awaitingOrder(loms)];
    loms.clock.advance(REPAIR_GRACE_MS + 1);

    expect(await repairOrders(loms.deps, opts)).toBe(0);
    expect(holder.spy!.calls.existing).toBe(2); // batches of 2: [1, 2], [3]
    for (const id of ids) expect(await loms.stocks.reservationOf(id)).toBe("reserved");
    expect(await loms.stocks.claimUnseen(loms.clock.now(), 10, loms.clock.now(), LEASE)).toEqual([]);

    loms.clock.advance(LEASE + 1);
    await repairOrders(loms.deps, opts);
    expect(holder.spy!.calls.existing).toBe(2);
  });

  test("a shard that cannot answer fails the run and releases nothing", async () => {
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          existing: async () => {
            throw new Error("shard 1 is down");
          },
        }),
    });
    const id = await orphanReservation(loms);
    loms.clock.advance(REPAIR_GRACE_MS + 1);
    await expect(repairOrders(loms.deps, opts)).rejects.toThrow("shard 1 is down");
    expect(await loms.stocks.reservationOf(id)).toBe("reserved");
  });

  test("a create slower than the grace period: its reservation is released, and its late order then cancelled", async () => {
    const atWrite = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    const loms = memoryLoms({
      wrapOrders: (inner) =>
        new SpyOrderRepository(inner, {
          create: async (order) => {
            atWrite.resolve(); // reserved, then stuck before writing the order
            await gate.promise;
            return inner.create(order);
          },
        }),
    });
    const creating = orderCreate(loms.deps, 1n, [{ sku: 1076963n, count: 4 }]);
    await atWrite.promise; // the create reaches its order write
    loms.clock.advance(REPAIR_GRACE_MS + 1);

    expect(await repairOrders(loms.deps, opts)).toBe(1);
    expect(await loms.stocks.reservationOf(1n)).toBe("released");
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);

    gate.resolve();
    expect(await creating).toBe(1n);
    expect((await current(loms, 1n)).status).toBe(OrderStatus.AwaitingPayment);
    loms.clock.advance(REPAIR_GRACE_MS + 1);
    expect(await repairOrders(loms.deps, opts)).toBe(1);
    expect((await current(loms, 1n)).status).toBe(OrderStatus.Cancelled);
    expect(loms.orders.events().map((e) => e.status)).toEqual([
      OrderStatus.New,
      OrderStatus.AwaitingPayment,
      OrderStatus.Cancelled,
    ]);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });

  test("several repair instances at once: each orphan released exactly once", async () => {
    const loms = memoryLoms();
    for (let i = 0; i < 7; i++) await orphanReservation(loms, [{ sku: 1625903n, count: 1 }]);
    loms.clock.advance(REPAIR_GRACE_MS + 1);
    const counts = await Promise.all([1, 2, 3].map((batch) => repairOrders(loms.deps, { ...opts, batch })));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(7);
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
  });
});
