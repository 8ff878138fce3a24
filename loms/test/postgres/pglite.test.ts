// LOMS on its embedded PostgreSQL (PGlite behind its single-connection socket server), started as a
// process: data survives a restart, and concurrent requests share the one connection safely.
// No cluster here: LOMS_STORAGE=pglite needs no database server at all.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { fixtureOf, lomsClients } from "./support.ts";

/** A fresh PGlite directory is initialized on first start (several seconds, lots of memory). */
const START_TIMEOUT_MS = 90_000;

let dir: string;
let running: SpawnedService | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "loms-pglite-"));
});

afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
}, START_TIMEOUT_MS);

async function startLoms(): Promise<SpawnedService> {
  running = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: { LOMS_STORAGE: "pglite", LOMS_PGLITE_DIR: join(dir, "data"), LOG_LEVEL: "warn" },
    timeoutMs: START_TIMEOUT_MS,
  });
  return running;
}

async function stopLoms(): Promise<void> {
  const code = await running?.stop();
  const output = running?.output() ?? "";
  running = undefined;
  if (code !== 0) throw new Error(`LOMS exited with ${code}:\n${output}`);
}

describe("LOMS on PGlite", () => {
  const sku = 2956315n; // 300/30 in the fixture
  let orderId: bigint;

  test(
    "an order and its stock change survive a restart",
    async () => {
      const first = lomsClients((await startLoms()).url);
      const fx = fixtureOf(sku);
      expect((await first.stocks.stocksInfo({ sku })).count).toBe(fx.totalCount - fx.reserved);
      ({ orderId } = await first.orders.orderCreate({
        userId: 9223372036854775807n,
        items: [{ sku, count: 4 }],
      }));
      expect((await first.stocks.stocksInfo({ sku })).count).toBe(fx.totalCount - fx.reserved - 4);
      await stopLoms();

      const second = lomsClients((await startLoms()).url);
      const order = await second.orders.orderInfo({ orderId });
      expect(order.status).toBe("awaiting payment");
      expect(order.userId).toBe(9223372036854775807n);
      expect(order.items.map((i) => ({ sku: i.sku, count: i.count }))).toEqual([{ sku, count: 4 }]);
      expect((await second.stocks.stocksInfo({ sku })).count).toBe(fx.totalCount - fx.reserved - 4);
      // and it can be carried on with: paid, the units are gone for good
      await second.orders.orderPay({ orderId });
      expect((await second.orders.orderInfo({ orderId })).status).toBe("paid");
      expect((await second.stocks.stocksInfo({ sku })).count).toBe(fx.totalCount - fx.reserved - 4);
    },
    3 * START_TIMEOUT_MS,
  );

  test(
    "20 concurrent creates all succeed over the single connection",
    async () => {
      const client = lomsClients((running ?? (await startLoms())).url);
      const sku2 = 1148162n;
      const before = (await client.stocks.stocksInfo({ sku: sku2 })).count;
      // reads of the earlier order interleaved with the creates: every answer must be its own
      const [results, reads] = await Promise.all([
        Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            client.orders.orderCreate({ userId: BigInt(i + 1), items: [{ sku: sku2, count: 1 }] }),
          ),
        ),
        Promise.all(Array.from({ length: 10 }, () => client.orders.orderInfo({ orderId }))),
      ]);
      for (const r of reads)
        expect({ status: r.status, userId: r.userId }).toEqual({
          status: "paid",
          userId: 9223372036854775807n,
        });
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const ids = results.map((r) => (r.status === "fulfilled" ? r.value.orderId : 0n));
      expect(new Set(ids).size).toBe(20);
      expect(ids).not.toContain(orderId);
      expect((await client.stocks.stocksInfo({ sku: sku2 })).count).toBe(before - 20);
      const infos = await Promise.all(ids.map((id) => client.orders.orderInfo({ orderId: id })));
      for (const [i, info] of infos.entries()) {
        expect(info.status).toBe("awaiting payment");
        expect(info.userId).toBe(BigInt(i + 1)); // each answer is its own request's, not a neighbour's
      }
      await stopLoms();
    },
    2 * START_TIMEOUT_MS,
  );
});
