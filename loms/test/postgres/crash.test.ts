// kill -9 of LOMS in the middle of a stream of creates and pays, and between OrderCreate's two
// commits, on a real 2-shard cluster. A LOMS started again on the same databases must repair whatever
// the dead one left half-way, until SPEC's invariants hold again: every paid order's units sold
// exactly once, reserved = fixture reserved + units awaiting payment, no order left in "new", no
// stock reserved for an order that never appeared.
import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { seededRandom } from "@route256/platform/random";
import { pick, randomInt } from "../support/prng.ts";
import {
  countByStatus,
  type DbState,
  invariantViolations,
  isConnectionError,
  lomsClients,
  lomsOnCluster,
  lomsSessions,
  orphanedReservations,
  rawSql,
  readDbState,
  waitFor,
  withPrimaries,
} from "./support.ts";

const pg = lomsOnCluster();

/** LOMS whose repair job looks every 200 ms at orders older than 500 ms. */
const startLoms = () => pg.startLoms({ LOMS_REPAIR_GRACE_MS: "500", LOMS_REPAIR_INTERVAL_MS: "200" });

/**
 * Nothing a crash left half-way remains: no "new", every order awaiting payment still reserved, no
 * reservation held for an order that never appeared.
 */
function settled(state: DbState): boolean {
  return (
    orphanedReservations(state).length === 0 &&
    state.orders.every(
      (o) =>
        o.status !== "new" &&
        (o.status !== "awaiting payment" || state.reservations.get(o.id)?.state === "reserved"),
    )
  );
}

const SKUS = [1625903n, 139275865n, 1148162n, 2618151n];

describe("LOMS killed with SIGKILL mid-stream", () => {
  test("a restarted LOMS repairs what the dead one left half-way; the invariants hold", async () => {
    const first = await startLoms();
    const client = lomsClients(first.url);
    let killedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const outcome = { created: 0, paid: 0, refused: 0, inFlightAtKill: 0, afterKill: 0 };
    const unexpected: string[] = [];
    const failed = (err: unknown, startedAt: number) => {
      if (isConnectionError(err)) {
        if (startedAt < killedAt) outcome.inFlightAtKill++;
        else outcome.afterKill++;
        return true; // this LOMS is gone: the caller stops
      }
      const e = ConnectError.from(err);
      // refused creates (stock ran out, or repair abandoned a slow one) and pays of such orders
      if (e.code === Code.FailedPrecondition) outcome.refused++;
      else unexpected.push(`[${Code[e.code]}] ${e.rawMessage}`);
      return false;
    };
    const caller = async (seed: number) => {
      const random = seededRandom(seed);
      while (!stop) {
        let startedAt = performance.now();
        let orderId: bigint;
        try {
          const items = [{ sku: pick(random, SKUS), count: randomInt(random, 1, 2) }];
          orderId = (await client.orders.orderCreate({ userId: BigInt(seed), items })).orderId;
          outcome.created++;
        } catch (err) {
          if (failed(err, startedAt)) return;
          continue;
        }
        startedAt = performance.now();
        try {
          await client.orders.orderPay({ orderId });
          outcome.paid++;
        } catch (err) {
          if (failed(err, startedAt)) return;
        }
      }
    };
    const callers = Array.from({ length: 10 }, (_, i) => caller(500 + i));

    // let the stream run, then kill -9 in the middle of it
    await waitFor("the stream to get going", async () => (outcome.paid >= 20 ? true : undefined), 30_000, 20);
    await Bun.sleep(1_500);
    killedAt = performance.now();
    first.kill("SIGKILL");
    expect(await first.exited).not.toBe(0);
    stop = true;
    await Promise.all(callers);

    expect(unexpected).toEqual([]);
    expect(outcome.created).toBeGreaterThan(0);
    expect(outcome.paid).toBeGreaterThan(0);
    // the crash really hit requests in flight, not an idle server
    expect(outcome.inFlightAtKill).toBeGreaterThan(0);

    // What it left is known once its sessions have ended: a COMMIT it sent just before dying can
    // still be waiting for the synchronous replica, and becomes visible only then.
    await waitFor(
      "the dead LOMS's sessions to end",
      async () => ((await lomsSessions(pg.cluster)) === 0 ? true : undefined),
      20_000,
    );
    const leftByCrash = await readDbState(pg.cluster);
    const second = await startLoms();
    const state = await repairedState("the repair job to settle every order");
    expect(invariantViolations(state)).toEqual([]);
    expect(countByStatus(state.orders).new ?? 0).toBe(0);
    expect(state.orders.length).toBe(leftByCrash.orders.length); // repair creates no orders

    // the restarted LOMS serves the repaired orders and agrees with the database
    const again = lomsClients(second.url);
    for (const o of state.orders.slice(-5))
      expect((await again.orders.orderInfo({ orderId: o.id })).status).toBe(o.status);
    for (const sku of SKUS) {
      const row = state.stocks.get(sku)!;
      expect((await again.stocks.stocksInfo({ sku })).count).toBe(Math.max(0, row.totalCount - row.reserved));
    }
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 120_000);

  test("killed between the reserve and the order write: the restarted LOMS releases what nobody ordered", async () => {
    // The dead LOMS's own repair job must not act before the kill: default grace (30 s).
    const first = await pg.startLoms({ LOMS_REPAIR_INTERVAL_MS: "200" });
    const client = lomsClients(first.url);
    const before = await readDbState(pg.cluster);
    const held = await holdWrites("order_items");
    try {
      const creates = createOnePerSku(client, 900n);
      const stranded = await reservedWithoutOrder(SKUS.length);
      // the order writes never happen: a crash between the two commits
      await killWhileHeld(first, creates, held);
      await held.release();

      const leftByCrash = await readDbState(pg.cluster);
      expect(leftByCrash.orders.length).toBe(before.orders.length); // no order was written
      expect(orphanedReservations(leftByCrash).sort()).toEqual([...stranded].sort());
      // the stock is held for nobody until repair
      for (const sku of SKUS)
        expect(leftByCrash.stocks.get(sku)!.reserved).toBeGreaterThan(before.stocks.get(sku)!.reserved);

      const second = await startLoms();
      const state = await repairedState("the repair job to release the stranded reservations");
      expect(invariantViolations(state)).toEqual([]);
      for (const id of stranded) expect(state.reservations.get(id)?.state).toBe("released");
      expect(state.orders.length).toBe(before.orders.length); // repair creates no orders
      for (const sku of SKUS) expect(state.stocks.get(sku)).toEqual(before.stocks.get(sku));
      second.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      await held.release();
    }
  }, 120_000);

  test("killed inside the reserve: its transaction never commits, nothing is left to repair", async () => {
    const first = await pg.startLoms({ LOMS_REPAIR_INTERVAL_MS: "200" });
    const client = lomsClients(first.url);
    const before = await readDbState(pg.cluster);
    const held = await holdWrites("stocks");
    try {
      const creates = createOnePerSku(client, 960n);
      await waitFor(
        "every create to wait inside its reserve",
        async () => ((await lomsWaitingOnLocks()) >= SKUS.length ? true : undefined),
        20_000,
        50,
      );
      await killWhileHeld(first, creates, held);
    } finally {
      await held.release();
    }
    const after = await readDbState(pg.cluster);
    expect(invariantViolations(after)).toEqual([]);
    expect(after.orders.length).toBe(before.orders.length);
    expect(after.reservations.size).toBe(before.reservations.size);
    expect(after.stocks).toEqual(before.stocks);
  }, 120_000);

  test("a live create slower than the grace period: its reservation is released, its late order cancelled", async () => {
    const loms = await startLoms(); // repair: grace 500 ms, every 200 ms
    const client = lomsClients(loms.url);
    const before = await readDbState(pg.cluster);
    const held = await holdWrites("order_items");
    let created: Promise<bigint>;
    try {
      created = client.orders
        .orderCreate({ userId: 950n, items: [{ sku: SKUS[0]!, count: 2 }] })
        .then((r) => r.orderId);
      const [id] = await reservedWithoutOrder(1);
      // the repair job of the same LOMS finds no order after the grace period and releases the stock
      await waitFor(
        "the repair job to release the slow create's reservation",
        async () =>
          (await readDbState(pg.cluster)).reservations.get(id!)?.state === "released" ? true : undefined,
        20_000,
        100,
      );
    } finally {
      await held.release();
    }
    // the order write goes through after the release: the client hears awaiting payment...
    const id = await created;
    expect((await client.orders.orderInfo({ orderId: id })).status).toBe("awaiting payment");
    // ...and repair settles the order by its released reservation
    const state = await waitFor(
      "the repair job to cancel the late order",
      async () => {
        const s = await readDbState(pg.cluster);
        return s.orders.find((o) => o.id === id)?.status === "cancelled" ? s : undefined;
      },
      20_000,
      200,
    );
    expect(invariantViolations(state)).toEqual([]);
    expect(state.stocks.get(SKUS[0]!)).toEqual(before.stocks.get(SKUS[0]!));
    loms.kill("SIGTERM");
    expect(await loms.exited).toBe(0);
  }, 120_000);

  /** Waits until nothing a crash left half-way remains (see settled); returns what the databases hold then. */
  function repairedState(what: string): Promise<DbState> {
    return waitFor(
      what,
      async () => {
        const s = await readDbState(pg.cluster);
        return settled(s) ? s : undefined;
      },
      20_000,
      200,
    );
  }

  /** One create per sku, each reported as "answered", "cut off" (LOMS gone) or unexpected. */
  function createOnePerSku(client: ReturnType<typeof lomsClients>, userId: bigint): Promise<string[]> {
    return Promise.all(
      SKUS.map((sku, i) =>
        client.orders.orderCreate({ userId, items: [{ sku, count: 1 + (i % 2) }] }).then(
          () => "answered",
          (err: unknown) => (isConnectionError(err) ? "cut off" : `unexpected: ${String(err)}`),
        ),
      ),
    );
  }

  /**
   * kill -9 while its statements wait on a held table; they would not notice their client is gone,
   * so they are ended as PostgreSQL would end them, and nothing they were writing commits.
   */
  async function killWhileHeld(
    loms: Awaited<ReturnType<typeof startLoms>>,
    creates: Promise<string[]>,
    held: { terminateLoms(): Promise<void> },
  ): Promise<void> {
    loms.kill("SIGKILL");
    expect(await loms.exited).not.toBe(0);
    expect(await creates).toEqual(SKUS.map(() => "cut off"));
    await held.terminateLoms();
    await waitFor(
      "the dead LOMS's sessions to end",
      async () => ((await lomsSessions(pg.cluster)) === 0 ? true : undefined),
      20_000,
    );
  }

  /** LOMS statements waiting on a lock, on every primary. */
  async function lomsWaitingOnLocks(): Promise<number> {
    return withPrimaries(pg.cluster, async (primaries) => {
      let n = 0;
      for (const sql of primaries) {
        const [row] = await sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'loms' AND wait_event_type = 'Lock'`;
        n += row?.n ?? 0;
      }
      return n;
    });
  }

  /** Waits until `n` new reservations hold stock for ids no shard has an order for; returns them. */
  async function reservedWithoutOrder(n: number): Promise<bigint[]> {
    return waitFor(
      `${n} reservations without their order`,
      async () => {
        const orphans = orphanedReservations(await readDbState(pg.cluster));
        return orphans.length === n ? orphans : undefined;
      },
      20_000,
      50,
    );
  }

  /**
   * Holds `table` on every shard (SHARE lock) so writes to it wait, uncommitted, until `release`:
   * order_items stops LOMS between OrderCreate's two commits (reserves go through; the jobs' claims
   * of orders and all reads go on), stocks stops it inside the reserve.
   */
  async function holdWrites(table: "order_items" | "stocks") {
    // two connections each: one holds the lock, the other can end LOMS's sessions meanwhile
    const primaries = pg.cluster.shards.map((s) => rawSql(s.primary, 2));
    const locked = primaries.map(() => Promise.withResolvers<void>());
    const unlock = Promise.withResolvers<void>();
    const holders = primaries.map((sql, i) =>
      sql.begin(async (tx) => {
        await tx.unsafe(`LOCK TABLE ${table} IN SHARE MODE`);
        locked[i]?.resolve();
        await unlock.promise;
      }),
    );
    await Promise.all(locked.map((l) => l.promise));
    let released: Promise<void> | undefined;
    return {
      /** Ends every LOMS session, as PostgreSQL would on noticing the dead client. */
      async terminateLoms() {
        for (const sql of primaries)
          await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'loms'`;
      },
      release(): Promise<void> {
        released ??= (async () => {
          unlock.resolve();
          await Promise.all(holders);
          await Promise.all(primaries.map((p) => p.end({ timeout: 5 })));
        })();
        return released;
      },
    };
  }
});
