// The PostgreSQL adapters of LOMS (storage, migrations, PgStockRepository, PgShardOrders behind
// ShardedOrderRepository, replica reads) against a real throwaway cluster: 2 shards, each a primary
// and a synchronous streaming replica.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestPgCluster } from "@route256/testkit/pg-cluster";
import { migrate, readMigrations } from "../../src/adapters/postgres/migrate.ts";
import type { PostgresStorage } from "../../src/adapters/postgres/storage.ts";
import type { Order, OrderItem, OrderStatus } from "../../src/domain/order.ts";
import type { OrderRepository, StockRepository } from "../../src/service/ports.ts";
import { createNew } from "../support/orders.ts";
import {
  CLUSTER_TIMEOUT_MS,
  FIXTURE,
  openStorage,
  type RawSql,
  rawSql,
  readStocks,
  silentLogger,
  startCluster,
} from "./support.ts";

let cluster: TestPgCluster;
let storage: PostgresStorage;
let stocks: StockRepository;
let orders: OrderRepository;
/** Raw pools on the primaries, for looking behind the repositories' back. */
let primaries: RawSql[];
/** A second storage (its own pools): a second LOMS instance. */
let other: PostgresStorage | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  storage = await openStorage(cluster);
  stocks = storage.deps.stocks;
  orders = storage.deps.orders;
  primaries = cluster.shards.map((s) => rawSql(s.primary));
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await other?.close();
  await storage?.close();
  await Promise.all((primaries ?? []).map((p) => p.end({ timeout: 5 })));
  await cluster?.destroy();
}, CLUSTER_TIMEOUT_MS);

const stockDb = () => primaries[0] as RawSql;

/** Order ids for stock tests: any bigint works (stocks do not check that the order exists). */
let nextOrderId = 1_000_000_000n;
const freshOrderId = () => nextOrderId++;

async function reservationRow(orderId: bigint) {
  const [row] = await stockDb()<
    { state: string }[]
  >`SELECT state FROM reservations WHERE order_id = ${orderId}`;
  const items = await stockDb()<{ sku: bigint; count: number }[]>`
    SELECT sku, count FROM reservation_items WHERE order_id = ${orderId} ORDER BY sku`;
  return { state: row?.state, items: items.map((i) => ({ sku: i.sku, count: Number(i.count) })) };
}

/** Distinct epochs, each earlier than the last: orders of one claim test are older than all others. */
let epochYear = 1990;
function freshEpoch(): Date {
  epochYear -= 10;
  return new Date(Date.UTC(epochYear, 0, 1));
}
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe("migrations and fixture", () => {
  const versions = readMigrations().map((m) => m.version);

  test("every primary has every migration recorded in schema_migrations", async () => {
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const sql of primaries) {
      const rows = await sql<{ version: string }[]>`SELECT version FROM schema_migrations ORDER BY version`;
      expect(rows.map((r) => r.version)).toEqual(versions);
      const tables = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(["order_items", "orders", "reservation_items", "reservations", "stocks"]),
      );
    }
  });

  test("migrating again applies nothing (also through a second storage)", async () => {
    for (const sql of primaries) expect(await migrate(sql, silentLogger)).toEqual([]);
    other ??= await openStorage(cluster);
    for (const sql of primaries) {
      const [row] = await sql<{ n: bigint }[]>`SELECT count(*) AS n FROM schema_migrations`;
      expect(Number(row?.n)).toBe(versions.length);
    }
  });

  test("concurrent migrations of a fresh database apply each migration once", async () => {
    await stockDb().unsafe("CREATE DATABASE migrate_race");
    const url = cluster.shards[0]!.primary.replace(/\/loms$/, "/migrate_race");
    const pools = [rawSql(url), rawSql(url), rawSql(url)];
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, silentLogger)));
      expect(applied.flat().sort()).toEqual(versions);
      expect((await readStocks(pools[0]!)).size).toBe(FIXTURE.length);
    } finally {
      await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
    }
  });

  test("item counts above uint32: lines of failed orders are capped, any other such line stops the migration", async () => {
    const CAP = "20261205000001"; // item_counts_uint32
    const before = readMigrations().filter((m) => m.version < CAP);
    const withDb = async (name: string, use: (sql: RawSql) => Promise<void>) => {
      await stockDb().unsafe(`CREATE DATABASE ${name}`);
      const sql = rawSql(cluster.shards[0]!.primary.replace(/\/loms$/, `/${name}`));
      try {
        await migrate(sql, silentLogger, before);
        await use(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    };
    const order = (sql: RawSql, id: number, status: string, count: bigint) => sql`
      WITH o AS (INSERT INTO orders (id, user_id, status, created_at, updated_at)
                 VALUES (${id}, 1, ${status}, now(), now()) RETURNING id)
      INSERT INTO order_items (order_id, sku, count) SELECT id, 1625903, ${count} FROM o`;

    // What the merge bug stored: a failed order whose lines of one sku added up past uint32.
    await withDb("cap_failed", async (sql) => {
      await order(sql, 10, "failed", 4294967297n);
      await order(sql, 20, "paid", 3n);
      expect((await migrate(sql, silentLogger))[0]).toBe(CAP); // and the later ones after it
      const rows = await sql<{ order_id: bigint; count: bigint }[]>`
        SELECT order_id, count FROM order_items ORDER BY order_id`;
      expect([...rows]).toEqual([
        { order_id: 10n, count: 4294967295n },
        { order_id: 20n, count: 3n },
      ]);
    });
    // An order holding a reservation is left to a person: the migration fails by the check's name.
    await withDb("cap_reserved", async (sql) => {
      await order(sql, 10, "awaiting payment", 4294967297n);
      expect(migrate(sql, silentLogger)).rejects.toThrow("order_items_count_uint32");
      await migrate(sql, silentLogger).catch(() => {});
      const [row] = await sql<{ count: bigint }[]>`SELECT count FROM order_items WHERE order_id = 10`;
      expect(row?.count).toBe(4294967297n); // all or nothing: the failed migration changed no row
    });
  });

  test("the stock database holds the course fixture: 16 skus", async () => {
    const rows = await readStocks(stockDb());
    expect(rows.size).toBe(16);
    for (const fx of FIXTURE)
      expect(rows.get(fx.sku)).toEqual({ totalCount: fx.totalCount, reserved: fx.reserved });
  });

  test("the replicas have the schema and the fixture too", async () => {
    for (const shard of cluster.shards) {
      const replica = rawSql(shard.replica);
      try {
        expect((await readStocks(replica)).size).toBe(16);
        const [row] = await replica<{ in_recovery: boolean }[]>`SELECT pg_is_in_recovery() AS in_recovery`;
        expect(row?.in_recovery).toBe(true);
      } finally {
        await replica.end({ timeout: 5 });
      }
    }
  });
});

describe("PgStockRepository", () => {
  test("available = total − reserved, never below 0; unknown sku → undefined", async () => {
    expect(await stocks.available(139818428n)).toBe(0); // 100/101 in the fixture
    expect(await stocks.available(139819069n)).toBe(0); // 100/100
    expect(await stocks.available(139275865n)).toBe(65534);
    expect(await stocks.available(2956315n)).toBe(270);
    expect(await stocks.available(404n)).toBeUndefined();
    expect(await stocks.available(9223372036854775807n)).toBeUndefined();
  });

  test("reserve: one short item → nothing reserved on any sku, no reservation left", async () => {
    const before = await readStocks(stockDb());
    const orderId = freshOrderId();
    const items: OrderItem[] = [
      { sku: 1148162n, count: 5 },
      { sku: 2618151n, count: 7 },
      { sku: 139818428n, count: 1 }, // over-reserved: 0 available
    ];
    expect(await stocks.reserve(orderId, items, new Date())).toEqual({
      ok: false,
      reason: "insufficient",
      sku: 139818428n,
      requested: 1,
      available: 0,
    });
    expect(await readStocks(stockDb())).toEqual(before);
    expect(await reservationRow(orderId)).toEqual({ state: undefined, items: [] });
    expect(await stocks.reservationOf(orderId)).toBeUndefined();

    // Short on the first item as well: more than exists.
    const big = freshOrderId();
    const outcome = await stocks.reserve(
      big,
      [
        { sku: 1148162n, count: 301 },
        { sku: 2618151n, count: 1 },
      ],
      new Date(),
    );
    expect(outcome).toMatchObject({ ok: false, reason: "insufficient", sku: 1148162n, available: 300 });
    expect(await readStocks(stockDb())).toEqual(before);
  });

  test("reserve: an unknown sku → unknown_sku, nothing reserved", async () => {
    const before = await readStocks(stockDb());
    const orderId = freshOrderId();
    const outcome = await stocks.reserve(
      orderId,
      [
        { sku: 1148162n, count: 1 },
        { sku: 999_999_999n, count: 1 },
      ],
      new Date(),
    );
    expect(outcome).toEqual({ ok: false, reason: "unknown_sku", sku: 999_999_999n });
    expect(await readStocks(stockDb())).toEqual(before);
    expect(await stocks.reservationOf(orderId)).toBeUndefined();
  });

  test("reserve is idempotent per order id, also when retried concurrently", async () => {
    const items: OrderItem[] = [
      { sku: 3596599n, count: 2 },
      { sku: 3618852n, count: 3 },
    ];
    const before = await readStocks(stockDb());
    const orderId = freshOrderId();
    expect(await stocks.reserve(orderId, items, new Date())).toEqual({ ok: true });
    expect(await stocks.reserve(orderId, items, new Date())).toEqual({ ok: true });
    const racing = freshOrderId();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => stocks.reserve(racing, items, new Date())),
    );
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => ({ ok: true })));

    const after = await readStocks(stockDb());
    expect(after.get(3596599n)!.reserved).toBe(before.get(3596599n)!.reserved + 4);
    expect(after.get(3618852n)!.reserved).toBe(before.get(3618852n)!.reserved + 6);
    expect(after.get(3596599n)!.totalCount).toBe(before.get(3596599n)!.totalCount);
    expect(await reservationRow(orderId)).toEqual({ state: "reserved", items });
    expect(await stocks.reservationOf(racing)).toBe("reserved");
  });

  test("concurrent reserves of different orders never oversell", async () => {
    const sku = 135717466n; // 100/20: 80 available
    const start = await stocks.available(sku);
    expect(start).toBe(80);
    const ids = Array.from({ length: 40 }, () => freshOrderId());
    const outcomes = await Promise.all(ids.map((id) => stocks.reserve(id, [{ sku, count: 3 }], new Date())));
    const ok = outcomes.filter((o) => o.ok).length;
    expect(ok).toBe(26); // 26 × 3 = 78 ≤ 80 < 81
    expect(await stocks.available(sku)).toBe(2);
    expect((await readStocks(stockDb())).get(sku)).toEqual({ totalCount: 100, reserved: 98 });
    // give them back, so other tests see the fixture numbers
    for (const [i, id] of ids.entries())
      if (outcomes[i]!.ok) expect(await stocks.release(id)).toBe("reserved");
    expect(await stocks.available(sku)).toBe(80);
  });

  test("sell: reserved → sold once; then sold; release of a sold order changes nothing", async () => {
    const sku = 4288068n;
    const base = (await readStocks(stockDb())).get(sku)!;
    const orderId = freshOrderId();
    expect(await stocks.reserve(orderId, [{ sku, count: 4 }], new Date())).toEqual({ ok: true });
    expect(await stocks.sell(orderId)).toBe("reserved");
    const sold = (await readStocks(stockDb())).get(sku)!;
    expect(sold).toEqual({ totalCount: base.totalCount - 4, reserved: base.reserved });
    expect(await stocks.sell(orderId)).toBe("sold");
    expect(await stocks.release(orderId)).toBe("sold");
    expect((await readStocks(stockDb())).get(sku)).toEqual(sold);
    expect(await stocks.reservationOf(orderId)).toBe("sold");
    expect(await stocks.reserve(orderId, [{ sku, count: 4 }], new Date())).toEqual({
      ok: false,
      reason: "settled",
      state: "sold",
    });
    expect((await readStocks(stockDb())).get(sku)).toEqual(sold);
  });

  test("concurrent sells of one order sell it once", async () => {
    const sku = 4465995n;
    const base = (await readStocks(stockDb())).get(sku)!;
    const orderId = freshOrderId();
    expect(await stocks.reserve(orderId, [{ sku, count: 2 }], new Date())).toEqual({ ok: true });
    const before = await Promise.all(Array.from({ length: 10 }, () => stocks.sell(orderId)));
    expect(before.filter((s) => s === "reserved")).toHaveLength(1);
    expect(before.filter((s) => s === "sold")).toHaveLength(9);
    expect((await readStocks(stockDb())).get(sku)).toEqual({
      totalCount: base.totalCount - 2,
      reserved: base.reserved,
    });
  });

  test("release: reserved → released once; then released; sell of a released order changes nothing", async () => {
    const sku = 30816475n;
    const base = (await readStocks(stockDb())).get(sku)!;
    const orderId = freshOrderId();
    expect(await stocks.reserve(orderId, [{ sku, count: 9 }], new Date())).toEqual({ ok: true });
    expect((await readStocks(stockDb())).get(sku)!.reserved).toBe(base.reserved + 9);
    expect(await stocks.release(orderId)).toBe("reserved");
    expect((await readStocks(stockDb())).get(sku)).toEqual(base);
    expect(await stocks.release(orderId)).toBe("released");
    expect(await stocks.sell(orderId)).toBe("released");
    expect((await readStocks(stockDb())).get(sku)).toEqual(base);
    expect(await stocks.reserve(orderId, [{ sku, count: 9 }], new Date())).toEqual({
      ok: false,
      reason: "settled",
      state: "released",
    });
    expect((await readStocks(stockDb())).get(sku)).toEqual(base);
  });

  test("pay and cancel racing on one reservation: exactly one wins", async () => {
    const sku = 2958025n;
    const base = (await readStocks(stockDb())).get(sku)!;
    const ids = Array.from({ length: 10 }, () => freshOrderId());
    for (const id of ids)
      expect(await stocks.reserve(id, [{ sku, count: 1 }], new Date())).toEqual({ ok: true });
    let sold = 0;
    for (const id of ids) {
      const [s, r] = await Promise.all([stocks.sell(id), stocks.release(id)]);
      // whichever settled first saw "reserved"; the other sees the winner's state
      expect([s, r].filter((x) => x === "reserved")).toHaveLength(1);
      if (s === "reserved") {
        expect(r).toBe("sold");
        sold++;
      } else expect(s).toBe("released");
    }
    expect((await readStocks(stockDb())).get(sku)).toEqual({
      totalCount: base.totalCount - sold,
      reserved: base.reserved,
    });
  });

  test("sell of an unknown order → undefined, no record, nothing changes", async () => {
    const before = await readStocks(stockDb());
    const orderId = freshOrderId();
    expect(await stocks.sell(orderId)).toBeUndefined();
    expect(await stocks.reservationOf(orderId)).toBeUndefined();
    expect(await readStocks(stockDb())).toEqual(before);
  });

  test("release of an unknown order leaves a tombstone: a later reserve is settled", async () => {
    const before = await readStocks(stockDb());
    const orderId = freshOrderId();
    expect(await stocks.release(orderId)).toBeUndefined();
    expect(await reservationRow(orderId)).toEqual({ state: "released", items: [] });
    expect(await stocks.reservationOf(orderId)).toBe("released");
    expect(await stocks.reserve(orderId, [{ sku: 1625903n, count: 1 }], new Date())).toEqual({
      ok: false,
      reason: "settled",
      state: "released",
    });
    expect(await stocks.release(orderId)).toBe("released");
    expect(await readStocks(stockDb())).toEqual(before);
  });

  test("abandon: no reservation → released (a late reserve is settled); reserved or sold stay", async () => {
    const sku = 1625903n;
    const base = (await readStocks(stockDb())).get(sku)!;

    const nothing = freshOrderId();
    expect(await stocks.abandon(nothing)).toBe("released");
    expect(await stocks.abandon(nothing)).toBe("released");
    expect(await stocks.reserve(nothing, [{ sku, count: 1 }], new Date())).toEqual({
      ok: false,
      reason: "settled",
      state: "released",
    });

    const reserved = freshOrderId();
    expect(await stocks.reserve(reserved, [{ sku, count: 2 }], new Date())).toEqual({ ok: true });
    expect(await stocks.abandon(reserved)).toBe("reserved");
    expect(await stocks.reservationOf(reserved)).toBe("reserved");
    expect((await readStocks(stockDb())).get(sku)!.reserved).toBe(base.reserved + 2);

    const sold = freshOrderId();
    expect(await stocks.reserve(sold, [{ sku, count: 3 }], new Date())).toEqual({ ok: true });
    expect(await stocks.sell(sold)).toBe("reserved");
    expect(await stocks.abandon(sold)).toBe("sold");

    expect(await stocks.release(reserved)).toBe("reserved");
    expect((await readStocks(stockDb())).get(sku)).toEqual({
      totalCount: base.totalCount - 3,
      reserved: base.reserved,
    });
  });

  test("abandon racing reserve of the same order: either the reserve or the abandon wins, never both", async () => {
    const sku = 2618151n;
    const base = (await readStocks(stockDb())).get(sku)!;
    let reservedUnits = 0;
    for (let i = 0; i < 20; i++) {
      const id = freshOrderId();
      const [outcome, after] = await Promise.all([
        stocks.reserve(id, [{ sku, count: 1 }], new Date()),
        stocks.abandon(id),
      ]);
      if (outcome.ok) {
        expect(after).toBe("reserved");
        reservedUnits++;
      } else {
        expect(outcome).toEqual({ ok: false, reason: "settled", state: "released" });
        expect(after).toBe("released");
      }
      expect(await stocks.reservationOf(id)).toBe(outcome.ok ? "reserved" : "released");
    }
    expect((await readStocks(stockDb())).get(sku)!.reserved).toBe(base.reserved + reservedUnits);
  });
});

describe("ShardedOrderRepository over PgShardOrders", () => {
  const items: OrderItem[] = [
    { sku: 1076963n, count: 2 },
    { sku: 1148162n, count: 1 },
  ];

  async function shardsHolding(id: bigint): Promise<number[]> {
    const found: number[] = [];
    for (const [i, sql] of primaries.entries()) {
      const rows = await sql`SELECT 1 FROM orders WHERE id = ${id}`;
      if (rows.length > 0) found.push(i);
    }
    return found;
  }

  test("ids end in their shard's digit; creates alternate between the shards", async () => {
    const now = new Date();
    const created: Order[] = [];
    for (let i = 0; i < 6; i++) created.push(await createNew(orders, BigInt(100 + i), items, now));
    const shards = created.map((o) => Number(o.id % 10n));
    expect(shards.every((s) => s === 0 || s === 1)).toBe(true);
    for (let i = 1; i < shards.length; i++) expect(shards[i]).not.toBe(shards[i - 1]);
    for (const o of created) {
      expect(o.status).toBe("new");
      expect(await shardsHolding(o.id)).toEqual([Number(o.id % 10n)]);
    }
    expect(new Set(created.map((o) => o.id)).size).toBe(created.length);
  });

  test("get routes by id to the one shard and returns the items sorted by sku", async () => {
    const now = new Date("2030-05-06T07:08:09.123Z");
    const unsorted: OrderItem[] = [
      { sku: 30816475n, count: 1 },
      { sku: 1076963n, count: 4 },
      { sku: 2956315n, count: 2 },
    ];
    const a = await createNew(orders, 9223372036854775807n, unsorted, now);
    const b = await createNew(orders, 7n, unsorted, now);
    expect(a.id % 10n).not.toBe(b.id % 10n);
    for (const o of [a, b]) {
      const got = await orders.get(o.id);
      expect(got).toEqual({
        id: o.id,
        userId: o.userId,
        status: "new",
        items: [
          { sku: 1076963n, count: 4 },
          { sku: 2956315n, count: 2 },
          { sku: 30816475n, count: 1 },
        ],
        createdAt: now,
        updatedAt: now,
        version: 0,
      });
    }
    expect((await orders.get(a.id))!.userId).toBe(9223372036854775807n);
  });

  test("the same sequence value on both shards names two different orders", async () => {
    // ids far above what the sequences hand out, written behind the repository's back
    const base = 10n ** 13n;
    const at = new Date("2030-02-03T04:05:06Z");
    for (const [shard, sql] of primaries.entries()) {
      const id = base + BigInt(shard);
      await sql`INSERT INTO orders (id, user_id, status, created_at, updated_at)
                VALUES (${id}, ${BigInt(500 + shard)}, 'failed', ${at}, ${at})`;
      await sql`INSERT INTO order_items (order_id, sku, count) VALUES (${id}, ${BigInt(shard + 1)}, 1)`;
    }
    expect(await orders.get(base)).toMatchObject({ userId: 500n, items: [{ sku: 1n, count: 1 }] });
    expect(await orders.get(base + 1n)).toMatchObject({ userId: 501n, items: [{ sku: 2n, count: 1 }] });
  });

  test("ids that name no shard, no order, or are not positive → undefined", async () => {
    const now = new Date();
    const existing = await createNew(orders, 1n, items, now);
    const sequence = existing.id / 10n;
    for (const id of [
      sequence * 10n + 7n,
      sequence * 10n + 2n,
      9223372036854775807n,
      0n,
      -10n,
      999_999_990n,
    ]) {
      expect(await orders.get(id)).toBeUndefined();
      expect(await orders.changeStatus(id, ["new"], "failed", now)).toBeUndefined();
      await orders.markVerified(id, 0); // nothing to do, no error
      await orders.unverify(id);
    }
  });

  test("changeStatus is a compare-and-set", async () => {
    const created = await createNew(orders, 5n, items, new Date("2030-01-01T00:00:00Z"));
    const t1 = new Date("2030-01-01T00:00:01Z");
    const moved = await orders.changeStatus(created.id, ["new"], "awaiting payment", t1);
    expect(moved).toMatchObject({ id: created.id, status: "awaiting payment", updatedAt: t1 });
    // from a status it is not in: unchanged, and the caller sees what it is
    const t2 = new Date("2030-01-01T00:00:02Z");
    const refused = await orders.changeStatus(created.id, ["new"], "failed", t2);
    expect(refused).toMatchObject({ status: "awaiting payment", updatedAt: t1 });
    expect((await orders.get(created.id))?.status).toBe("awaiting payment");
  });

  test("concurrent compare-and-sets: exactly one wins, everyone sees the winner", async () => {
    for (let round = 0; round < 5; round++) {
      const created = await createNew(orders, 6n, items, new Date());
      await orders.changeStatus(created.id, ["new"], "awaiting payment", new Date());
      const targets = Array.from({ length: 10 }, (_, i): OrderStatus => (i % 2 === 0 ? "paid" : "cancelled"));
      const results = await Promise.all(
        targets.map((to) => orders.changeStatus(created.id, ["awaiting payment"], to, new Date())),
      );
      const final = (await orders.get(created.id))!.status;
      expect(["paid", "cancelled"]).toContain(final);
      for (const r of results) expect(r?.status).toBe(final);
    }
  });

  test("claimStale: two storages (two LOMS instances) claiming at once never get the same order", async () => {
    other ??= await openStorage(cluster);
    const instances = [orders, other.deps.orders];
    for (const purpose of ["expiry", "repair", "expiry"] as const) {
      const epoch = freshEpoch();
      const ids = new Set<bigint>();
      for (let i = 0; i < 40; i++) {
        const o = await createNew(orders, BigInt(i + 1), items, epoch);
        // repair also takes orders still in new
        if (purpose === "expiry" || i % 2 === 0)
          await orders.changeStatus(o.id, ["new"], "awaiting payment", epoch);
        ids.add(o.id);
      }
      const now = new Date();
      const claimer = async (repo: OrderRepository) => {
        const got: bigint[] = [];
        for (;;) {
          const batch = await repo.claimStale(purpose, plus(epoch, 1000), 3, now, 60_000);
          if (batch.length === 0) return got;
          got.push(...batch.map((o) => o.id));
        }
      };
      // two claimers per instance, four pools' worth of concurrency in all
      const claimed = (await Promise.all([...instances, ...instances].map(claimer))).flat();
      expect(new Set(claimed).size).toBe(claimed.length); // never the same order twice
      expect(new Set(claimed)).toEqual(ids); // and every stale order was taken
      // out of the way of later claims
      for (const id of ids) await orders.changeStatus(id, ["new", "awaiting payment"], "failed", epoch);
    }
  });

  test("claimStale: oldest first, only the purpose's statuses, only before the cut-off", async () => {
    const epoch = freshEpoch();
    const fresh = await createNew(orders, 1n, items, plus(epoch, 5000)); // after the cut-off
    const awaiting = await createNew(orders, 1n, items, epoch);
    await orders.changeStatus(awaiting.id, ["new"], "awaiting payment", plus(epoch, 2));
    const stuckNew = await createNew(orders, 1n, items, plus(epoch, 1));
    const failed = await createNew(orders, 1n, items, epoch);
    await orders.changeStatus(failed.id, ["new"], "failed", epoch);
    const now = new Date();
    const before = plus(epoch, 1000);

    const expiry = await orders.claimStale("expiry", before, 10, now, 60_000);
    expect(expiry.map((o) => o.id)).toEqual([awaiting.id]);
    expect(expiry[0]).toMatchObject({ status: "awaiting payment", items: [...items] });

    // each job has its own claim: repair takes "awaiting" too, though expiry holds it
    const repair = await orders.claimStale("repair", before, 10, now, 60_000);
    expect(new Set(repair.map((o) => o.id))).toEqual(new Set([stuckNew.id, awaiting.id]));
    // and within one job a live claim excludes
    expect(await orders.claimStale("expiry", before, 10, now, 60_000)).toEqual([]);
    expect(await orders.claimStale("repair", before, 10, now, 60_000)).toEqual([]);
    for (const id of [fresh.id, stuckNew.id]) await orders.changeStatus(id, ["new"], "failed", epoch);
    await orders.changeStatus(awaiting.id, ["awaiting payment"], "cancelled", epoch);
  });

  test("claimStale: oldest change first within a shard; a small limit still takes the oldest", async () => {
    // NOTE: "oldest first" holds per shard only: ShardedOrderRepository walks shard 0, then shard 1,
    // so a newer order of shard 0 comes before an older one of shard 1. The jobs loop until nothing
    // is left, so every stale order is still taken in the same run.
    const epoch = freshEpoch();
    const created: Order[] = [];
    for (let i = 0; i < 8; i++) created.push(await createNew(orders, 1n, items, epoch));
    // change them newest-id-first, so the oldest change is the newest id
    for (const [i, o] of created.entries())
      await orders.changeStatus(o.id, ["new"], "awaiting payment", plus(epoch, 100 - i));
    const byShard = (list: readonly Order[], shard: bigint) => list.filter((o) => o.id % 10n === shard);
    const expected = [...created].reverse(); // oldest change first
    const claimed = await orders.claimStale("expiry", plus(epoch, 1000), 10, new Date(), 60_000);
    expect(claimed).toHaveLength(8);
    for (const shard of [0n, 1n])
      expect(byShard(claimed, shard).map((o) => o.id)).toEqual(byShard(expected, shard).map((o) => o.id));
    // a limit of 1 with every claim expired: the oldest change of the first shard that has any
    const one = await orders.claimStale("expiry", plus(epoch, 1000), 1, plus(new Date(), 120_000), 60_000);
    expect(one.map((o) => o.id)).toEqual([byShard(expected, 0n)[0]!.id]);
    for (const o of created) await orders.changeStatus(o.id, ["awaiting payment"], "cancelled", epoch);
  });

  test("claimStale: a lease runs out (its holder died) and another instance takes the order", async () => {
    other ??= await openStorage(cluster);
    const epoch = freshEpoch();
    const o = await createNew(orders, 1n, items, epoch);
    await orders.changeStatus(o.id, ["new"], "awaiting payment", epoch);
    const before = plus(epoch, 1000);
    const t = new Date();
    expect((await orders.claimStale("expiry", before, 10, t, 1000)).map((x) => x.id)).toEqual([o.id]);
    expect(await other.deps.orders.claimStale("expiry", before, 10, t, 1000)).toEqual([]);
    expect(await other.deps.orders.claimStale("expiry", before, 10, plus(t, 999), 1000)).toEqual([]);
    const taken = await other.deps.orders.claimStale("expiry", before, 10, plus(t, 1001), 1000);
    expect(taken.map((x) => x.id)).toEqual([o.id]);
    expect(await orders.claimStale("expiry", before, 10, plus(t, 1500), 1000)).toEqual([]);
    // a status change ends the claim at once
    await orders.changeStatus(o.id, ["awaiting payment"], "awaiting payment", plus(epoch, 1));
    expect((await orders.claimStale("expiry", before, 10, plus(t, 1500), 1000)).map((x) => x.id)).toEqual([
      o.id,
    ]);
    await orders.changeStatus(o.id, ["awaiting payment"], "cancelled", epoch);
  });

  test("markVerified: repair skips the order until its version moves; a stale version does nothing", async () => {
    const epoch = freshEpoch();
    const before = plus(epoch, 1000);
    const lease = 60_000;
    const t = new Date();
    const at = (leases: number) => plus(t, leases * lease + 1); // past `leases` leases from t
    const ids = (list: readonly Order[]) => list.map((x) => x.id);
    const o = await createNew(orders, 1n, items, epoch);
    const [claimed] = await orders.claimStale("repair", before, 10, t, lease);
    expect(claimed).toMatchObject({ id: o.id, version: 0 });
    await orders.markVerified(o.id, claimed!.version);
    // markVerified does not end the claim (it runs out); after that the order is still skipped
    expect(await orders.claimStale("repair", before, 10, t, lease)).toEqual([]);
    expect(await orders.claimStale("repair", before, 10, at(1), lease)).toEqual([]);

    // a status change bumps the version, resets the verification and ends the claims
    const t1 = plus(epoch, 1);
    await orders.changeStatus(o.id, ["new"], "awaiting payment", t1);
    const [again] = await orders.claimStale("repair", before, 10, t, lease);
    expect(again).toMatchObject({ id: o.id, status: "awaiting payment", updatedAt: t1, version: 1 });
    // verifying the version the job saw before the change does not count
    await orders.markVerified(o.id, 0);
    expect(ids(await orders.claimStale("repair", before, 10, at(1), lease))).toEqual([o.id]);
    await orders.markVerified(o.id, 1);
    expect(await orders.claimStale("repair", before, 10, at(3), lease)).toEqual([]);
    // verified is repair's business only: expiry takes it all the same
    expect(ids(await orders.claimStale("expiry", before, 10, t, lease))).toEqual([o.id]);

    // unverify (pay / cancel, before they touch stock) asks repair to look again: it bumps the
    // version, keeps both claims and the change time (the expiry clock keeps running)
    await orders.unverify(o.id);
    expect(await orders.claimStale("expiry", before, 10, t, lease)).toEqual([]);
    expect(await orders.claimStale("repair", before, 10, plus(t, 2 * lease), lease)).toEqual([]); // claimed at at(1)
    const [unverified] = await orders.claimStale("repair", before, 10, at(3), lease);
    expect(unverified).toMatchObject({ id: o.id, status: "awaiting payment", updatedAt: t1, version: 2 });
    await orders.markVerified(o.id, 1); // a verification that started before unverify misses
    expect(ids(await orders.claimStale("repair", before, 10, at(5), lease))).toEqual([o.id]);
    await orders.changeStatus(o.id, ["awaiting payment"], "cancelled", epoch);
  });
});

describe("the two-commit OrderCreate's parts", () => {
  const items: OrderItem[] = [
    { sku: 1076963n, count: 2 },
    { sku: 1148162n, count: 1 },
  ];

  test("newId: ids from blocks of the shard's sequence, unique across two instances and many concurrent calls", async () => {
    other ??= await openStorage(cluster);
    const calls = [orders, other.deps.orders].flatMap((repo) =>
      Array.from({ length: 300 }, () => repo.newId()),
    );
    const ids = await Promise.all(calls);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id > 0n && (id % 10n === 0n || id % 10n === 1n))).toBe(true);
    // 600 ids over 2 instances x 2 shards took a handful of nextvals, not 600
    for (const sql of primaries) {
      const [seq] = await sql<{ increment_by: bigint }[]>`
        SELECT increment_by FROM pg_sequences WHERE sequencename = 'order_id_seq'`;
      expect(Number(seq?.increment_by)).toBe(64);
    }
  });

  test("create: the order with its outcome, its items and both events (new, then the outcome), written together", async () => {
    const id = await orders.newId();
    const shard = primaries[Number(id % 10n)] as RawSql;
    const createdAt = new Date("2031-01-01T00:00:00.000Z");
    const updatedAt = new Date("2031-01-01T00:00:00.250Z");
    await orders.create({ id, userId: 9n, items, status: "awaiting payment", createdAt, updatedAt });
    const order = await orders.get(id);
    expect(order).toMatchObject({
      id,
      userId: 9n,
      status: "awaiting payment",
      createdAt,
      updatedAt,
      version: 0,
    });
    expect(order?.items).toEqual([...items].sort((a, b) => Number(a.sku - b.sku)));
    const events = await shard<{ status: string; moment: Date }[]>`
      SELECT status, moment FROM outbox WHERE order_id = ${id} ORDER BY id`;
    expect([...events]).toEqual([
      { status: "new", moment: createdAt },
      { status: "awaiting payment", moment: updatedAt },
    ]);
  });

  test("create of an id that exists fails and changes nothing", async () => {
    const id = await orders.newId();
    const now = new Date();
    await orders.create({ id, userId: 1n, items, status: "failed", createdAt: now, updatedAt: now });
    await expect(
      orders.create({ id, userId: 2n, items, status: "awaiting payment", createdAt: now, updatedAt: now }),
    ).rejects.toThrow();
    expect((await orders.get(id))?.status).toBe("failed");
    const shard = primaries[Number(id % 10n)] as RawSql;
    const events = await shard`SELECT 1 FROM outbox WHERE order_id = ${id}`;
    expect(events.length).toBe(2);
  });

  test("existing: finds orders on either shard, not ids without an order or naming no shard", async () => {
    const now = new Date();
    const a = await createNew(orders, 1n, items, now);
    const b = await createNew(orders, 1n, items, now);
    const missing = await orders.newId();
    expect(await orders.existing([a.id, b.id, missing, 7n, -3n])).toEqual(new Set([a.id, b.id]));
    expect(await orders.existing([])).toEqual(new Set());
  });

  test("claimUnseen: reservations before the cut-off, oldest first, once per lease; seen ones never again", async () => {
    const epoch = freshEpoch();
    const ids: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const id = freshOrderId();
      expect(await stocks.reserve(id, [{ sku: 1625903n, count: 1 }], plus(epoch, 10 - i))).toEqual({
        ok: true,
      });
      ids.push(id);
    }
    const late = freshOrderId();
    await stocks.reserve(late, [{ sku: 1625903n, count: 1 }], plus(epoch, 5000));
    const now = new Date();
    // a small limit takes the oldest reservations (the later ones, reserved first); `late` is after the cut-off
    expect(new Set(await stocks.claimUnseen(plus(epoch, 1000), 2, now, 60_000))).toEqual(
      new Set(ids.slice(2)),
    );
    expect(new Set(await stocks.claimUnseen(plus(epoch, 1000), 10, now, 60_000))).toEqual(
      new Set(ids.slice(0, 2)),
    );
    expect(await stocks.claimUnseen(plus(epoch, 1000), 10, now, 60_000)).toEqual([]); // all leased
    await stocks.markOrdersSeen(ids.slice(0, 2));
    const afterLease = plus(now, 60_001);
    expect(new Set(await stocks.claimUnseen(plus(epoch, 1000), 10, afterLease, 60_000))).toEqual(
      new Set(ids.slice(2)),
    );
    for (const id of [...ids, late]) await stocks.release(id);
    expect(await stocks.claimUnseen(plus(epoch, 9000), 10, plus(afterLease, 60_001), 60_000)).toEqual([]);
  });

  test("claimUnseen: two instances claiming at once never get the same reservation", async () => {
    other ??= await openStorage(cluster);
    const epoch = freshEpoch();
    const ids = new Set<bigint>();
    for (let i = 0; i < 30; i++) {
      const id = freshOrderId();
      await stocks.reserve(id, [{ sku: 1625903n, count: 1 }], epoch);
      ids.add(id);
    }
    const now = new Date();
    const claimer = async (repo: StockRepository) => {
      const got: bigint[] = [];
      for (;;) {
        const batch = await repo.claimUnseen(plus(epoch, 1), 3, now, 60_000);
        if (batch.length === 0) return got;
        got.push(...batch);
      }
    };
    const instances = [stocks, other.deps.stocks];
    const claimed = (await Promise.all([...instances, ...instances].map(claimer))).flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(new Set(claimed)).toEqual(ids);
    for (const id of ids) await stocks.release(id);
  });
});

describe("replica reads", () => {
  test("reads are served by the replicas", async () => {
    const o = await createNew(orders, 1n, [{ sku: 1n, count: 1 }], new Date());
    const other = await createNew(orders, 1n, [{ sku: 1n, count: 1 }], new Date());
    expect(await orders.get(o.id)).toBeDefined();
    expect(await orders.get(other.id)).toBeDefined();
    expect(await stocks.available(1076963n)).toBeDefined();
    for (const shard of cluster.shards) {
      const replica = rawSql(shard.replica);
      try {
        const [row] = await replica<{ n: bigint }[]>`
          SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'loms'`;
        expect(Number(row?.n)).toBeGreaterThan(0);
      } finally {
        await replica.end({ timeout: 5 });
      }
    }
  });

  test("shard 0's replica down: reads of orders and stocks fall back to the primary", async () => {
    // written while the replica is up: with the replica down, a commit on its primary would block
    const order = await createNew(orders, 77n, [{ sku: 1625903n, count: 1 }], new Date());
    const onShard0 =
      order.id % 10n === 0n ? order : await createNew(orders, 77n, [{ sku: 1625903n, count: 1 }], new Date());
    expect(onShard0.id % 10n).toBe(0n);
    const reservedId = freshOrderId();
    expect(await stocks.reserve(reservedId, [{ sku: 1625903n, count: 1 }], new Date())).toEqual({ ok: true });
    const available = await stocks.available(1625903n);
    // warm the replica pool so its connections die under it, not only new ones fail
    await Promise.all(Array.from({ length: 5 }, () => orders.get(onShard0.id)));

    await cluster.stopNode(0, "replica");
    try {
      for (let i = 0; i < 3; i++) {
        const reads = await Promise.all([
          orders.get(onShard0.id),
          stocks.available(1625903n),
          stocks.reservationOf(reservedId),
          orders.get(onShard0.id),
          stocks.available(404n),
        ]);
        expect(reads).toEqual([
          expect.objectContaining({ id: onShard0.id, userId: 77n, status: "new" }),
          available,
          "reserved",
          expect.objectContaining({ id: onShard0.id }),
          undefined,
        ]);
      }
      expect(await storage.ready()).toBe(true);
    } finally {
      await cluster.startNode(0, "replica");
    }
    // back in business: a write on shard 0 commits again (its synchronous replica streams)
    expect(await stocks.release(reservedId)).toBe("reserved");
    expect(await stocks.available(1625903n)).toBe(available! + 1);
  }, 60_000);

  test("a fresh storage opened while a replica is down still reads", async () => {
    await cluster.stopNode(1, "replica");
    try {
      const fresh = await openStorage(cluster, { poolMax: 2 });
      try {
        // migrate() on shard 1's primary only reads (everything is applied), so it does not block
        expect(await fresh.deps.stocks.available(1148162n)).toBeDefined();
        const onShard1 = await freshShardOrder(1);
        expect((await fresh.deps.orders.get(onShard1))?.id).toBe(onShard1);
      } finally {
        await fresh.close();
      }
    } finally {
      await cluster.startNode(1, "replica");
    }
  }, 60_000);
});

/** The id of some existing order on `shard`. */
async function freshShardOrder(shard: number): Promise<bigint> {
  const sql = primaries[shard] as RawSql;
  const [row] = await sql<{ id: bigint }[]>`SELECT id FROM orders ORDER BY id DESC LIMIT 1`;
  if (!row) throw new Error(`no order on shard ${shard}`);
  return row.id;
}
