import { describe, expect, test } from "bun:test";
import { MemoryStockRepository } from "../../src/adapters/memory/memory-stocks.ts";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { stockFixture } from "../support/loms.ts";

/** sku 1: 10 on hand, 2 reserved (8 available); sku 2: 5/0; sku 3: 3/4 (over-reserved). */
const fixture = stockFixture({ "1": [10, 2], "2": [5, 0], "3": [3, 4] });

function repo() {
  return new MemoryStockRepository(fixture);
}

function row(stocks: MemoryStockRepository, sku: bigint) {
  return stocks.snapshot().find((s) => s.sku === sku);
}

describe("MemoryStockRepository", () => {
  describe("available / snapshot", () => {
    test("available is total − reserved, never negative; unknown sku is undefined", async () => {
      const stocks = repo();
      expect(await stocks.available(1n)).toBe(8);
      expect(await stocks.available(2n)).toBe(5);
      expect(await stocks.available(3n)).toBe(0);
      expect(await stocks.available(4n)).toBeUndefined();
    });

    test("the course fixture loads as SPEC.md lists it", async () => {
      const stocks = new MemoryStockRepository(STOCK_FIXTURE);
      expect(stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
      expect(await stocks.available(139818428n)).toBe(0);
      expect(await stocks.available(1076963n)).toBe(265);
    });

    test("snapshot is a copy: changing it or the fixture does not change the store", async () => {
      const rows = stockFixture({ "1": [10, 0] });
      const stocks = new MemoryStockRepository(rows);
      (rows[0] as { reserved: number }).reserved = 10;
      const snap = stocks.snapshot();
      (snap[0] as { reserved: number }).reserved = 10;
      expect(await stocks.available(1n)).toBe(10);
      await stocks.reserve(1n, [{ sku: 1n, count: 1 }], new Date(0));
      expect(snap[0]?.reserved).toBe(10);
      expect(stocks.snapshot()).toEqual([{ sku: 1n, totalCount: 10, reserved: 1 }]);
    });
  });

  describe("reserve", () => {
    test("reserves every item at once", async () => {
      const stocks = repo();
      expect(
        await stocks.reserve(
          1n,
          [
            { sku: 1n, count: 8 },
            { sku: 2n, count: 1 },
          ],
          new Date(0),
        ),
      ).toEqual({ ok: true });
      expect(stocks.snapshot()).toEqual([
        { sku: 1n, totalCount: 10, reserved: 10 },
        { sku: 2n, totalCount: 5, reserved: 1 },
        { sku: 3n, totalCount: 3, reserved: 4 },
      ]);
      expect(await stocks.reservationOf(1n)).toBe("reserved");
    });

    test("is idempotent per order: a second reserve of the same order is ok and reserves nothing more", async () => {
      const stocks = repo();
      const items = [{ sku: 1n, count: 3 }];
      expect(await stocks.reserve(1n, items, new Date(0))).toEqual({ ok: true });
      expect(await stocks.reserve(1n, items, new Date(0))).toEqual({ ok: true });
      // Even with other items the recorded reservation wins.
      expect(await stocks.reserve(1n, [{ sku: 2n, count: 5 }], new Date(0))).toEqual({ ok: true });
      expect(row(stocks, 1n)).toEqual({ sku: 1n, totalCount: 10, reserved: 5 });
      expect(row(stocks, 2n)).toEqual({ sku: 2n, totalCount: 5, reserved: 0 });
      // Releasing frees the units once.
      expect(await stocks.release(1n)).toBe("reserved");
      expect(row(stocks, 1n)?.reserved).toBe(2);
    });

    test("insufficient: reports sku, requested and available; nothing is reserved or recorded", async () => {
      const stocks = repo();
      expect(
        await stocks.reserve(
          1n,
          [
            { sku: 1n, count: 8 },
            { sku: 2n, count: 6 },
          ],
          new Date(0),
        ),
      ).toEqual({ ok: false, reason: "insufficient", sku: 2n, requested: 6, available: 5 });
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.reservationOf(1n)).toBeUndefined();
      // Nothing recorded: the same order may still reserve what fits.
      expect(await stocks.reserve(1n, [{ sku: 2n, count: 5 }], new Date(0))).toEqual({ ok: true });
    });

    test("an over-reserved sku has 0 available, not a negative number", async () => {
      const stocks = repo();
      expect(await stocks.reserve(1n, [{ sku: 3n, count: 1 }], new Date(0))).toEqual({
        ok: false,
        reason: "insufficient",
        sku: 3n,
        requested: 1,
        available: 0,
      });
    });

    test("unknown sku: reported, nothing reserved", async () => {
      const stocks = repo();
      expect(
        await stocks.reserve(
          1n,
          [
            { sku: 1n, count: 1 },
            { sku: 9n, count: 1 },
          ],
          new Date(0),
        ),
      ).toEqual({ ok: false, reason: "unknown_sku", sku: 9n });
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.reservationOf(1n)).toBeUndefined();
    });

    test("reports the first failing item in item order", async () => {
      const stocks = repo();
      const outcome = await stocks.reserve(
        1n,
        [
          { sku: 2n, count: 99 },
          { sku: 9n, count: 1 },
        ],
        new Date(0),
      );
      expect(outcome).toMatchObject({ ok: false, reason: "insufficient", sku: 2n });
    });

    test("a settled order cannot reserve again: settled with the state", async () => {
      const stocks = repo();
      await stocks.reserve(1n, [{ sku: 2n, count: 1 }], new Date(0));
      await stocks.sell(1n);
      expect(await stocks.reserve(1n, [{ sku: 2n, count: 1 }], new Date(0))).toEqual({
        ok: false,
        reason: "settled",
        state: "sold",
      });
      await stocks.reserve(2n, [{ sku: 2n, count: 1 }], new Date(0));
      await stocks.release(2n);
      expect(await stocks.reserve(2n, [{ sku: 2n, count: 1 }], new Date(0))).toEqual({
        ok: false,
        reason: "settled",
        state: "released",
      });
      expect(row(stocks, 2n)).toEqual({ sku: 2n, totalCount: 4, reserved: 0 });
    });
  });

  describe("sell", () => {
    test("sells the reserved units once: total and reserved fall; returns the previous state", async () => {
      const stocks = repo();
      await stocks.reserve(
        1n,
        [
          { sku: 1n, count: 3 },
          { sku: 2n, count: 2 },
        ],
        new Date(0),
      );
      expect(await stocks.sell(1n)).toBe("reserved");
      const after = stocks.snapshot();
      expect(after).toEqual([
        { sku: 1n, totalCount: 7, reserved: 2 },
        { sku: 2n, totalCount: 3, reserved: 0 },
        { sku: 3n, totalCount: 3, reserved: 4 },
      ]);
      expect(await stocks.sell(1n)).toBe("sold");
      expect(await stocks.sell(1n)).toBe("sold");
      expect(stocks.snapshot()).toEqual(after);
      expect(await stocks.reservationOf(1n)).toBe("sold");
    });

    test("a released order cannot be sold: returns released, no change", async () => {
      const stocks = repo();
      await stocks.reserve(1n, [{ sku: 1n, count: 3 }], new Date(0));
      await stocks.release(1n);
      expect(await stocks.sell(1n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.reservationOf(1n)).toBe("released");
    });

    test("an order with no reservation: undefined, no change, and no record left behind", async () => {
      const stocks = repo();
      expect(await stocks.sell(5n)).toBeUndefined();
      expect(await stocks.reservationOf(5n)).toBeUndefined();
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.reserve(5n, [{ sku: 2n, count: 1 }], new Date(0))).toEqual({ ok: true });
    });
  });

  describe("release", () => {
    test("frees the reserved units once: reserved falls, total unchanged; returns the previous state", async () => {
      const stocks = repo();
      await stocks.reserve(
        1n,
        [
          { sku: 1n, count: 3 },
          { sku: 2n, count: 2 },
        ],
        new Date(0),
      );
      expect(await stocks.release(1n)).toBe("reserved");
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.release(1n)).toBe("released");
      expect(await stocks.release(1n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
    });

    test("a sold order cannot be released: returns sold, no change", async () => {
      const stocks = repo();
      await stocks.reserve(1n, [{ sku: 1n, count: 3 }], new Date(0));
      await stocks.sell(1n);
      const after = stocks.snapshot();
      expect(await stocks.release(1n)).toBe("sold");
      expect(stocks.snapshot()).toEqual(after);
      expect(await stocks.reservationOf(1n)).toBe("sold");
    });

    test("an unknown order leaves a tombstone: a later reserve is settled (released), nothing reserved", async () => {
      const stocks = repo();
      expect(await stocks.release(7n)).toBeUndefined();
      expect(await stocks.reservationOf(7n)).toBe("released");
      expect(await stocks.reserve(7n, [{ sku: 1n, count: 1 }], new Date(0))).toEqual({
        ok: false,
        reason: "settled",
        state: "released",
      });
      expect(stocks.snapshot()).toEqual(fixture);
      // The tombstone holds nothing: releasing or selling it again changes nothing.
      expect(await stocks.release(7n)).toBe("released");
      expect(await stocks.sell(7n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
    });
  });

  describe("abandon", () => {
    test("an order with no reservation: records released, returns released; a later reserve is settled", async () => {
      const stocks = repo();
      expect(await stocks.abandon(1n)).toBe("released");
      expect(await stocks.reservationOf(1n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
      expect(await stocks.reserve(1n, [{ sku: 1n, count: 1 }], new Date(0))).toEqual({
        ok: false,
        reason: "settled",
        state: "released",
      });
      expect(stocks.snapshot()).toEqual(fixture);
      // Nothing is held: releasing or selling the abandoned order changes nothing.
      expect(await stocks.release(1n)).toBe("released");
      expect(await stocks.sell(1n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
    });

    test("is idempotent: abandoning again still says released", async () => {
      const stocks = repo();
      expect(await stocks.abandon(1n)).toBe("released");
      expect(await stocks.abandon(1n)).toBe("released");
      expect(stocks.snapshot()).toEqual(fixture);
    });

    test("a reserve that came first wins: returns reserved and keeps the reservation", async () => {
      const stocks = repo();
      await stocks.reserve(1n, [{ sku: 1n, count: 3 }], new Date(0));
      const reserved = stocks.snapshot();
      expect(await stocks.abandon(1n)).toBe("reserved");
      expect(await stocks.reservationOf(1n)).toBe("reserved");
      expect(stocks.snapshot()).toEqual(reserved);
      expect(row(stocks, 1n)).toEqual({ sku: 1n, totalCount: 10, reserved: 5 });
      // The reservation is intact: it can still be sold, once.
      expect(await stocks.sell(1n)).toBe("reserved");
      expect(row(stocks, 1n)).toEqual({ sku: 1n, totalCount: 7, reserved: 2 });
    });

    test("a settled order: returns its state (sold / released), no change", async () => {
      const stocks = repo();
      await stocks.reserve(1n, [{ sku: 1n, count: 3 }], new Date(0));
      await stocks.sell(1n);
      await stocks.reserve(2n, [{ sku: 2n, count: 2 }], new Date(0));
      await stocks.release(2n);
      const after = stocks.snapshot();
      expect(await stocks.abandon(1n)).toBe("sold");
      expect(await stocks.abandon(2n)).toBe("released");
      expect(stocks.snapshot()).toEqual(after);
      expect(await stocks.reservationOf(1n)).toBe("sold");
      expect(await stocks.reservationOf(2n)).toBe("released");
    });

    test("racing a reserve of the same order: exactly one of them takes effect", async () => {
      for (const reserveFirst of [true, false]) {
        const stocks = repo();
        const items = [{ sku: 2n, count: 2 }];
        const [reserved, abandoned] = reserveFirst
          ? await Promise.all([stocks.reserve(1n, items, new Date(0)), stocks.abandon(1n)])
          : await Promise.all([stocks.abandon(1n), stocks.reserve(1n, items, new Date(0))]).then(
              ([a, r]) => [r, a] as const,
            );
        if (reserved.ok) {
          expect(abandoned).toBe("reserved");
          expect(row(stocks, 2n)).toEqual({ sku: 2n, totalCount: 5, reserved: 2 });
        } else {
          expect(abandoned).toBe("released");
          expect(reserved).toEqual({ ok: false, reason: "settled", state: "released" });
          expect(stocks.snapshot()).toEqual(fixture);
        }
        expect(reserved.ok).toBe(reserveFirst);
      }
    });
  });

  test("reservations are per order: settling one leaves another untouched", async () => {
    const stocks = repo();
    await stocks.reserve(1n, [{ sku: 2n, count: 2 }], new Date(0));
    await stocks.reserve(2n, [{ sku: 2n, count: 3 }], new Date(0));
    expect(await stocks.available(2n)).toBe(0);
    await stocks.release(1n);
    expect(row(stocks, 2n)).toEqual({ sku: 2n, totalCount: 5, reserved: 3 });
    await stocks.sell(2n);
    expect(row(stocks, 2n)).toEqual({ sku: 2n, totalCount: 2, reserved: 0 });
    expect(await stocks.reservationOf(1n)).toBe("released");
    expect(await stocks.reservationOf(2n)).toBe("sold");
    expect(await stocks.reservationOf(3n)).toBeUndefined();
  });
});

describe("MemoryStockRepository: reservations for the repair job", () => {
  const at = (ms: number) => new Date(ms);

  test("claimUnseen: held reservations made before the cut-off, oldest first, up to the limit, once per lease", async () => {
    const stocks = repo();
    await stocks.reserve(1n, [{ sku: 1n, count: 1 }], at(30));
    await stocks.reserve(2n, [{ sku: 1n, count: 1 }], at(10));
    await stocks.reserve(3n, [{ sku: 2n, count: 1 }], at(20));
    await stocks.reserve(4n, [{ sku: 2n, count: 1 }], at(500)); // after the cut-off
    await stocks.release(9n); // nothing reserved: a released record, never claimed
    expect(await stocks.claimUnseen(at(100), 2, at(1000), 50)).toEqual([2n, 3n]);
    expect(await stocks.claimUnseen(at(100), 5, at(1000), 50)).toEqual([1n]);
    expect(await stocks.claimUnseen(at(100), 5, at(1050), 50)).toEqual([]); // leases still live
    expect(await stocks.claimUnseen(at(100), 5, at(1051), 50)).toEqual([2n, 3n, 1n]); // ran out
  });

  test("markOrdersSeen and settling take a reservation out for good", async () => {
    const stocks = repo();
    for (const id of [1n, 2n, 3n]) await stocks.reserve(id, [{ sku: 1n, count: 1 }], at(id === 3n ? 5 : 0));
    await stocks.markOrdersSeen([1n, 404n]);
    await stocks.sell(2n);
    expect(await stocks.claimUnseen(at(100), 5, at(1000), 50)).toEqual([3n]);
    await stocks.markOrdersSeen([3n]); // also ends its claim
    expect(await stocks.claimUnseen(at(100), 5, at(1000), 50)).toEqual([]);
  });
});
