// kill -9 of LOMS in the middle of a stream of creates and pays, on a real 2-shard cluster. A LOMS
// started again on the same databases must repair whatever the dead one left half-way, until SPEC's
// invariants hold again: every paid order's units sold exactly once, reserved = fixture reserved +
// units awaiting payment, no order left in "new".
import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { seededRandom } from "@route256/platform";
import { pick, randomInt } from "../support/prng.ts";
import {
  countByStatus,
  type DbState,
  invariantViolations,
  isConnectionError,
  lomsClients,
  lomsOnCluster,
  lomsSessions,
  readDbState,
  waitFor,
} from "./support.ts";

const pg = lomsOnCluster();

/** LOMS whose repair job looks every 200 ms at orders older than 500 ms. */
const startLoms = () => pg.startLoms({ LOMS_REPAIR_GRACE_MS: "500", LOMS_REPAIR_INTERVAL_MS: "200" });

/** Nothing a crash left half-way remains: no "new", every order awaiting payment still reserved. */
function settled(state: DbState): boolean {
  return state.orders.every(
    (o) =>
      o.status !== "new" &&
      (o.status !== "awaiting payment" || state.reservations.get(o.id)?.state === "reserved"),
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
    const state = await waitFor(
      "the repair job to settle every order",
      async () => {
        const s = await readDbState(pg.cluster);
        return settled(s) ? s : undefined;
      },
      20_000,
      200,
    );
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
});
