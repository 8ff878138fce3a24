import { describe, expect, test } from "bun:test";
import { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { FakeClock } from "../support/clock.ts";
import { createNew } from "../support/orders.ts";

const t = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);
const items = [{ sku: 1076963n, count: 1 }];
const { New, AwaitingPayment, Paid, Cancelled, Failed } = OrderStatus;

describe("MemoryOrderRepository", () => {
  test("create: ids count up from 1, status new, created and updated now", async () => {
    const orders = new MemoryOrderRepository();
    const a = await createNew(orders, 10n, items, t(0));
    const b = await createNew(orders, 9223372036854775807n, [], t(5));
    expect(a).toEqual({
      id: 1n,
      userId: 10n,
      status: New,
      items,
      createdAt: t(0),
      updatedAt: t(0),
      version: 0,
    });
    expect(b.id).toBe(2n);
    expect(b.userId).toBe(9223372036854775807n);
    expect(await orders.get(1n)).toEqual(a);
    expect(await orders.get(2n)).toEqual(b);
  });

  test("create with an outcome: stored as given; events new then the outcome, at their moments", async () => {
    const orders = new MemoryOrderRepository();
    const id = await orders.newId();
    await orders.create({ id, userId: 7n, items, status: Failed, createdAt: t(0), updatedAt: t(3) });
    expect(await orders.get(id)).toEqual({
      id,
      userId: 7n,
      items,
      status: Failed,
      createdAt: t(0),
      updatedAt: t(3),
      version: 0,
    });
    expect(orders.events().map((e) => [e.orderId, e.status, e.moment])).toEqual([
      [id, New, t(0)],
      [id, Failed, t(3)],
    ]);
    // an id is stored once
    await expect(
      orders.create({ id, userId: 8n, items, status: AwaitingPayment, createdAt: t(4), updatedAt: t(4) }),
    ).rejects.toThrow(`order ${id} exists already`);
    expect(orders.events()).toHaveLength(2);
  });

  test("newId hands out fresh ids before any order exists; existing tells which were stored", async () => {
    const orders = new MemoryOrderRepository();
    const [a, b, c] = [await orders.newId(), await orders.newId(), await orders.newId()];
    expect([a, b, c]).toEqual([1n, 2n, 3n]);
    await orders.create({
      id: b,
      userId: 1n,
      items,
      status: AwaitingPayment,
      createdAt: t(0),
      updatedAt: t(0),
    });
    expect(await orders.existing([a, b, c, 99n])).toEqual(new Set([b]));
  });

  test("get: an unknown id is undefined", async () => {
    const orders = new MemoryOrderRepository();
    expect(await orders.get(1n)).toBeUndefined();
    await createNew(orders, 1n, items, t(0));
    expect(await orders.get(0n)).toBeUndefined();
    expect(await orders.get(2n)).toBeUndefined();
    expect(await orders.get(9223372036854775807n)).toBeUndefined();
  });

  describe("changeStatus (compare-and-set)", () => {
    test("moves the order when its status is one of `from`; updatedAt changes, createdAt stays", async () => {
      const orders = new MemoryOrderRepository();
      const created = await createNew(orders, 1n, items, t(0));
      const changed = await orders.changeStatus(1n, [New, Paid], AwaitingPayment, t(7));
      expect(changed).toEqual({ ...created, status: AwaitingPayment, updatedAt: t(7), version: 1 });
      expect(await orders.get(1n)).toEqual(changed);
      // Orders handed out earlier are values: not modified behind the caller's back.
      expect(created.status).toBe(New);
      expect(created.updatedAt).toEqual(t(0));
    });

    test("leaves the order alone when its status is not in `from` and returns it as it is", async () => {
      const orders = new MemoryOrderRepository();
      await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(1n, [New], AwaitingPayment, t(1));
      await orders.changeStatus(1n, [AwaitingPayment], Paid, t(2));
      const current = await orders.get(1n);

      const result = await orders.changeStatus(1n, [AwaitingPayment], Cancelled, t(3));
      expect(result).toEqual(current);
      expect(result?.status).toBe(Paid);
      expect(result?.updatedAt).toEqual(t(2));
      expect(await orders.get(1n)).toEqual(current);
    });

    test("an empty `from` never changes anything", async () => {
      const orders = new MemoryOrderRepository();
      await createNew(orders, 1n, items, t(0));
      expect((await orders.changeStatus(1n, [], Failed, t(1)))?.status).toBe(New);
    });

    test("an unknown order is undefined", async () => {
      const orders = new MemoryOrderRepository();
      expect(await orders.changeStatus(3n, [New], Failed, t(1))).toBeUndefined();
      expect(await orders.get(3n)).toBeUndefined();
    });

    test("of two racing CAS from the same status exactly one wins", async () => {
      const orders = new MemoryOrderRepository();
      await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(1n, [New], AwaitingPayment, t(1));
      const [a, b] = await Promise.all([
        orders.changeStatus(1n, [AwaitingPayment], Paid, t(2)),
        orders.changeStatus(1n, [AwaitingPayment], Cancelled, t(3)),
      ]);
      expect(a?.status).toBe(Paid);
      expect(b?.status).toBe(Paid);
      expect((await orders.get(1n))?.updatedAt).toEqual(t(2));
    });
  });

  describe("claimStale", () => {
    const LEASE = 60_000;

    /**
     * Awaiting payment, last changed at t(30), t(10), t(40), t(20), t(50) (ids 1-5: creation order
     * differs from last-change order on purpose); 6 paid; 7 new since t(0); 8 failed; 9 cancelled.
     */
    async function seeded() {
      const orders = new MemoryOrderRepository();
      for (const at of [30, 10, 40, 20, 50]) {
        const o = await createNew(orders, 1n, items, t(0));
        await orders.changeStatus(o.id, [New], AwaitingPayment, t(at));
      }
      const paid = await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(paid.id, [New], AwaitingPayment, t(1));
      await orders.changeStatus(paid.id, [AwaitingPayment], Paid, t(2));
      await createNew(orders, 1n, items, t(0)); // 7 stays new, changed at t(0)
      const failed = await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(failed.id, [New], Failed, t(3));
      const cancelled = await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(cancelled.id, [New], AwaitingPayment, t(4));
      await orders.changeStatus(cancelled.id, [AwaitingPayment], Cancelled, t(5));
      return orders;
    }

    const ids = (orders: readonly { id: bigint }[]) => orders.map((o) => o.id);

    test("expiry: orders awaiting payment last changed strictly before `before`, oldest first", async () => {
      const orders = await seeded();
      const claimed = await orders.claimStale("expiry", t(40), 100, t(1000), LEASE);
      expect(claimed.map((o) => o.updatedAt)).toEqual([t(10), t(20), t(30)]);
      expect(ids(claimed)).toEqual([2n, 4n, 1n]);
      expect(claimed.every((o) => o.status === AwaitingPayment)).toBe(true);
      // The claimed orders are the stored ones, as get() returns them.
      for (const o of claimed) expect(o).toEqual((await orders.get(o.id))!);
    });

    test("repair: orders in new or awaiting payment, oldest first; final statuses never", async () => {
      const orders = await seeded();
      expect(ids(await orders.claimStale("repair", t(100), 100, t(1000), LEASE))).toEqual([
        7n,
        2n,
        4n,
        1n,
        3n,
        5n,
      ]);
    });

    test("nothing stale: nothing claimed", async () => {
      const orders = await seeded();
      expect(await orders.claimStale("expiry", t(10), 100, t(1000), LEASE)).toEqual([]);
      expect(await orders.claimStale("repair", t(0), 100, t(1000), LEASE)).toEqual([]);
      expect(await new MemoryOrderRepository().claimStale("repair", t(100), 10, t(100), LEASE)).toEqual([]);
    });

    test("at most `limit`, the oldest ones; the rest stay claimable", async () => {
      const orders = await seeded();
      expect(await orders.claimStale("expiry", t(100), 0, t(1000), LEASE)).toEqual([]);
      expect(ids(await orders.claimStale("expiry", t(100), 2, t(1000), LEASE))).toEqual([2n, 4n]);
      expect(ids(await orders.claimStale("expiry", t(100), 5, t(1000), LEASE))).toEqual([1n, 3n, 5n]);
    });

    test("equal change times keep creation order", async () => {
      const orders = new MemoryOrderRepository();
      for (let i = 0; i < 4; i++) await createNew(orders, 1n, items, t(5));
      expect(ids(await orders.claimStale("repair", t(6), 10, t(6), LEASE))).toEqual([1n, 2n, 3n, 4n]);
    });

    test("a claim is exclusive: a second claimer (another LOMS instance) gets only what is left", async () => {
      const orders = await seeded();
      const [a, b, c] = await Promise.all([
        orders.claimStale("expiry", t(100), 2, t(1000), LEASE),
        orders.claimStale("expiry", t(100), 2, t(1000), LEASE),
        orders.claimStale("expiry", t(100), 2, t(1000), LEASE),
      ]);
      expect([...ids(a!), ...ids(b!), ...ids(c!)]).toEqual([2n, 4n, 1n, 3n, 5n]);
      expect(await orders.claimStale("expiry", t(100), 10, t(1000), LEASE)).toEqual([]);
    });

    test("each job has its own claim: repair and expiry never keep each other off", async () => {
      const orders = await seeded();
      expect(ids(await orders.claimStale("repair", t(100), 3, t(1000), LEASE))).toEqual([7n, 2n, 4n]);
      // Every stale order awaiting payment, those repair holds included.
      expect(ids(await orders.claimStale("expiry", t(100), 10, t(1000), LEASE))).toEqual([
        2n,
        4n,
        1n,
        3n,
        5n,
      ]);
      // Repair's own claims still exclude repair.
      expect(ids(await orders.claimStale("repair", t(100), 10, t(1000), LEASE))).toEqual([1n, 3n, 5n]);
      expect(await orders.claimStale("expiry", t(100), 10, t(1000), LEASE)).toEqual([]);
    });

    test("a claim lasts `leaseMs` on the caller's clock, then the order can be claimed again", async () => {
      const clock = new FakeClock(t(1000));
      const orders = await seeded();
      expect(ids(await orders.claimStale("expiry", t(100), 1, clock.now(), 500))).toEqual([2n]);

      clock.advance(499);
      expect(ids(await orders.claimStale("expiry", t(100), 1, clock.now(), 500))).toEqual([4n]);
      clock.advance(2); // order 2's lease (until 1500) has run out; order 4's (until 1999) has not
      expect(ids(await orders.claimStale("expiry", t(100), 2, clock.now(), 500))).toEqual([2n, 1n]);
      clock.advance(LEASE);
      // Everything claimable again, oldest first: a claimer that died holds nothing for ever.
      expect(ids(await orders.claimStale("expiry", t(100), 10, clock.now(), 500))).toEqual([
        2n,
        4n,
        1n,
        3n,
        5n,
      ]);
    });

    test("a status change ends the claim: the order is claimable again as soon as it is stale", async () => {
      const orders = new MemoryOrderRepository();
      await createNew(orders, 1n, items, t(0));
      expect(ids(await orders.claimStale("repair", t(1), 10, t(1), LEASE))).toEqual([1n]);
      expect(await orders.claimStale("repair", t(10), 10, t(10), LEASE)).toEqual([]);

      await orders.changeStatus(1n, [New], AwaitingPayment, t(10));
      // Not stale yet at t(10): the change time counts, not the creation time.
      expect(await orders.claimStale("expiry", t(10), 10, t(10), LEASE)).toEqual([]);
      const claimed = await orders.claimStale("expiry", t(11), 10, t(11), LEASE);
      expect(claimed).toEqual([{ ...(await orders.get(1n))!, status: AwaitingPayment, updatedAt: t(10) }]);
    });

    test("a failed compare-and-set changes nothing, so the claim holds", async () => {
      const orders = new MemoryOrderRepository();
      await createNew(orders, 1n, items, t(0));
      await orders.changeStatus(1n, [New], AwaitingPayment, t(0));
      expect(ids(await orders.claimStale("expiry", t(1), 10, t(1), LEASE))).toEqual([1n]);
      await orders.changeStatus(1n, [New], Failed, t(2));
      expect(await orders.claimStale("expiry", t(3), 10, t(3), LEASE)).toEqual([]);
    });
  });

  describe("markVerified", () => {
    test("a payment or cancellation starting after the check (unverify) makes it miss", async () => {
      const orders = new MemoryOrderRepository();
      const o = await createNew(orders, 1n, items, t(0));
      const checked = await orders.changeStatus(o.id, [New], AwaitingPayment, t(1));
      await orders.unverify(o.id); // OrderPay begins while the repair job is looking
      await orders.markVerified(o.id, checked!.version); // the repair job's verdict is stale
      expect((await orders.claimStale("repair", t(10), 10, t(10), LEASE)).map((x) => x.id)).toEqual([o.id]);
    });

    const LEASE = 60_000;

    async function awaiting(orders: MemoryOrderRepository, at: number) {
      const o = await createNew(orders, 1n, items, t(0));
      return (await orders.changeStatus(o.id, [New], AwaitingPayment, t(at)))!;
    }

    test("the repair job skips a verified order; the expiry job still takes it", async () => {
      const orders = new MemoryOrderRepository();
      const a = await awaiting(orders, 1);
      const b = await awaiting(orders, 2);
      await orders.markVerified(a.id, a.version);

      expect((await orders.claimStale("repair", t(10), 10, t(10), LEASE)).map((o) => o.id)).toEqual([b.id]);
      // A later pass, after every lease ran out, still skips it (b, never verified, comes back).
      expect(
        (await orders.claimStale("repair", t(10), 10, t(10 + 2 * LEASE), LEASE)).map((o) => o.id),
      ).toEqual([b.id]);
      expect(
        (await orders.claimStale("expiry", t(10), 10, t(10 + 4 * LEASE), LEASE)).map((o) => o.id),
      ).toEqual([a.id, b.id]);
      // Verifying changes nothing a reader sees.
      expect(await orders.get(a.id)).toEqual(a);
    });

    test("only at the version checked: an order changed since it was checked is not verified", async () => {
      const orders = new MemoryOrderRepository();
      const created = await createNew(orders, 1n, items, t(0));
      const now = await orders.changeStatus(created.id, [New], AwaitingPayment, t(5));
      await orders.markVerified(created.id, created.version); // what the repair job saw at t(0)
      expect((await orders.claimStale("repair", t(10), 10, t(10), LEASE)).map((o) => o.id)).toEqual([
        now!.id,
      ]);
    });

    test("a later status change makes the repair job look again", async () => {
      const orders = new MemoryOrderRepository();
      const o = await createNew(orders, 1n, items, t(0));
      await orders.markVerified(o.id, o.version);
      expect(await orders.claimStale("repair", t(10), 10, t(10), LEASE)).toEqual([]);
      await orders.changeStatus(o.id, [New], AwaitingPayment, t(20));
      expect((await orders.claimStale("repair", t(30), 10, t(30), LEASE)).map((x) => x.id)).toEqual([o.id]);
    });

    test("an unknown order is ignored", async () => {
      const orders = new MemoryOrderRepository();
      await orders.markVerified(5n, 0);
      expect(await orders.get(5n)).toBeUndefined();
    });
  });
});
