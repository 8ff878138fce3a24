import { describe, expect, test } from "bun:test";
import { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { OrderStatus } from "../../src/domain/order.ts";

const t = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);
const items = [{ sku: 1076963n, count: 1 }];
const { New, AwaitingPayment, Paid, Cancelled, Failed } = OrderStatus;

describe("MemoryOrderRepository", () => {
  test("create: ids count up from 1, status new, created and updated now", async () => {
    const orders = new MemoryOrderRepository();
    const a = await orders.create(10n, items, t(0));
    const b = await orders.create(9223372036854775807n, [], t(5));
    expect(a).toEqual({ id: 1n, userId: 10n, status: New, items, createdAt: t(0), updatedAt: t(0) });
    expect(b.id).toBe(2n);
    expect(b.userId).toBe(9223372036854775807n);
    expect(await orders.get(1n)).toEqual(a);
    expect(await orders.get(2n)).toEqual(b);
  });

  test("get: an unknown id is undefined", async () => {
    const orders = new MemoryOrderRepository();
    expect(await orders.get(1n)).toBeUndefined();
    await orders.create(1n, items, t(0));
    expect(await orders.get(0n)).toBeUndefined();
    expect(await orders.get(2n)).toBeUndefined();
    expect(await orders.get(9223372036854775807n)).toBeUndefined();
  });

  describe("changeStatus (compare-and-set)", () => {
    test("moves the order when its status is one of `from`; updatedAt changes, createdAt stays", async () => {
      const orders = new MemoryOrderRepository();
      const created = await orders.create(1n, items, t(0));
      const changed = await orders.changeStatus(1n, [New, Paid], AwaitingPayment, t(7));
      expect(changed).toEqual({ ...created, status: AwaitingPayment, updatedAt: t(7) });
      expect(await orders.get(1n)).toEqual(changed);
      // Orders handed out earlier are values: not modified behind the caller's back.
      expect(created.status).toBe(New);
      expect(created.updatedAt).toEqual(t(0));
    });

    test("leaves the order alone when its status is not in `from` and returns it as it is", async () => {
      const orders = new MemoryOrderRepository();
      await orders.create(1n, items, t(0));
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
      await orders.create(1n, items, t(0));
      expect((await orders.changeStatus(1n, [], Failed, t(1)))?.status).toBe(New);
    });

    test("an unknown order is undefined", async () => {
      const orders = new MemoryOrderRepository();
      expect(await orders.changeStatus(3n, [New], Failed, t(1))).toBeUndefined();
      expect(await orders.get(3n)).toBeUndefined();
    });

    test("of two racing CAS from the same status exactly one wins", async () => {
      const orders = new MemoryOrderRepository();
      await orders.create(1n, items, t(0));
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

  describe("listStale", () => {
    async function seeded() {
      const orders = new MemoryOrderRepository();
      // Creation order differs from last-change order on purpose.
      for (const at of [30, 10, 40, 20, 50]) {
        const o = await orders.create(1n, items, t(0));
        await orders.changeStatus(o.id, [New], AwaitingPayment, t(at));
      }
      const paid = await orders.create(1n, items, t(0));
      await orders.changeStatus(paid.id, [New], AwaitingPayment, t(1));
      await orders.changeStatus(paid.id, [AwaitingPayment], Paid, t(2));
      await orders.create(1n, items, t(0)); // stays new, changed at t(0)
      return orders;
    }

    test("only orders in the status, last changed strictly before `before`, oldest first", async () => {
      const orders = await seeded();
      const stale = await orders.listStale(AwaitingPayment, t(40), 100);
      expect(stale.map((o) => o.updatedAt)).toEqual([t(10), t(20), t(30)]);
      expect(stale.map((o) => o.id)).toEqual([2n, 4n, 1n]);
      expect(stale.every((o) => o.status === AwaitingPayment)).toBe(true);
    });

    test("at most `limit`, the oldest ones", async () => {
      const orders = await seeded();
      expect((await orders.listStale(AwaitingPayment, t(100), 2)).map((o) => o.id)).toEqual([2n, 4n]);
      expect((await orders.listStale(AwaitingPayment, t(100), 5)).map((o) => o.id)).toEqual([
        2n,
        4n,
        1n,
        3n,
        5n,
      ]);
      expect(await orders.listStale(AwaitingPayment, t(100), 0)).toEqual([]);
    });

    test("other statuses are listed by their own status", async () => {
      const orders = await seeded();
      expect((await orders.listStale(Paid, t(100), 10)).map((o) => o.id)).toEqual([6n]);
      expect((await orders.listStale(New, t(100), 10)).map((o) => o.id)).toEqual([7n]);
      expect(await orders.listStale(New, t(0), 10)).toEqual([]);
      expect(await orders.listStale(Cancelled, t(100), 10)).toEqual([]);
    });

    test("equal change times keep creation order", async () => {
      const orders = new MemoryOrderRepository();
      for (let i = 0; i < 4; i++) await orders.create(1n, items, t(5));
      expect((await orders.listStale(New, t(6), 10)).map((o) => o.id)).toEqual([1n, 2n, 3n, 4n]);
    });
  });
});
