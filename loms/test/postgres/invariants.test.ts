// SPEC's LOMS invariants under concurrency, against LOMS started as a process on a real 2-shard
// cluster and called over native gRPC; the stock and the orders are checked straight in the databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { seededRandom } from "@route256/platform/random";
import type { TestPgCluster } from "@route256/testkit/pg-cluster";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { pick, randomInt } from "../support/prng.ts";
import {
  availableIn,
  CLUSTER_TIMEOUT_MS,
  countByStatus,
  FIXTURE,
  fixtureOf,
  invariantViolations,
  type LomsClients,
  lomsClients,
  lomsEnv,
  rawSql,
  readDbState,
  readStocks,
  startCluster,
  unitsOf,
  waitFor,
} from "./support.ts";

let cluster: TestPgCluster;
let loms: SpawnedService;
let client: LomsClients;

beforeAll(async () => {
  cluster = await startCluster();
  loms = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: lomsEnv(cluster),
    timeoutMs: 60_000,
  });
  client = lomsClients(loms.url);
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  const code = await loms?.stop();
  await cluster?.destroy();
  if (code !== undefined && code !== 0) throw new Error(`LOMS exited with ${code}:\n${loms.output()}`);
}, CLUSTER_TIMEOUT_MS);

async function stockRow(sku: bigint) {
  const sql = rawSql(cluster.shards[0]!.primary);
  try {
    const row = (await readStocks(sql)).get(sku);
    if (!row) throw new Error(`no stock row for sku ${sku}`);
    return row;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const available = async (sku: bigint) => (await client.stocks.stocksInfo({ sku })).count;

describe("LOMS on PostgreSQL: SPEC invariants under concurrency", () => {
  test("100 parallel OrderCreate of 1 unit lower StocksInfo by exactly 100", async () => {
    const sku = 1625903n; // 10000/0
    const before = await available(sku);
    const dbBefore = await stockRow(sku);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.orders.orderCreate({ userId: BigInt(i + 1), items: [{ sku, count: 1 }] }),
      ),
    );
    const ids = results.map((r) => r.orderId);
    expect(new Set(ids).size).toBe(100);
    expect(new Set(ids.map((id) => id % 10n))).toEqual(new Set([0n, 1n])); // spread over both shards
    expect(await available(sku)).toBe(before - 100);
    expect(await stockRow(sku)).toEqual({
      totalCount: dbBefore.totalCount,
      reserved: dbBefore.reserved + 100,
    });
    const statuses = await Promise.all(ids.map((orderId) => client.orders.orderInfo({ orderId })));
    expect(statuses.every((s) => s.status === "awaiting payment")).toBe(true);
  });

  test("10 parallel OrderPay of one order all succeed and sell its units once", async () => {
    const sku = 1148162n;
    const { orderId } = await client.orders.orderCreate({ userId: 42n, items: [{ sku, count: 3 }] });
    const reserved = await stockRow(sku);
    const payments = await Promise.allSettled(
      Array.from({ length: 10 }, () => client.orders.orderPay({ orderId })),
    );
    expect(payments.filter((p) => p.status === "rejected")).toEqual([]);
    expect(await stockRow(sku)).toEqual({
      totalCount: reserved.totalCount - 3,
      reserved: reserved.reserved - 3,
    });
    expect((await client.orders.orderInfo({ orderId })).status).toBe("paid");
    await client.orders.orderPay({ orderId }); // and once more, later: still OK, nothing sold
    expect((await stockRow(sku)).totalCount).toBe(reserved.totalCount - 3);
    const state = await readDbState(cluster);
    expect(state.reservations.get(orderId)).toEqual({ state: "sold", items: [{ sku, count: 3 }] });
  });

  test("20 workers of random create / pay / cancel keep every stock unit accounted for", async () => {
    const scarce = 3618852n; // 300/0: a hog order leaves 5 units for the storm
    const hog = await client.orders.orderCreate({ userId: 7n, items: [{ sku: scarce, count: 295 }] });
    expect(await available(scarce)).toBe(5);
    const skus = [1076963n, 1148162n, 135717466n, 2956315n, 4465995n, scarce];

    const created: bigint[] = [hog.orderId];
    const unexpected: string[] = [];
    const tally = { create: 0, createRefused: 0, pay: 0, cancel: 0, refused: 0 };
    // OK or failed_precondition are the only answers SPEC allows here
    const call = async (what: keyof typeof tally, run: () => Promise<unknown>) => {
      try {
        await run();
        tally[what]++;
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code === Code.FailedPrecondition) tally[what === "create" ? "createRefused" : "refused"]++;
        else unexpected.push(`${what}: [${Code[e.code]}] ${e.rawMessage}`);
      }
    };
    const worker = async (seed: number) => {
      const random = seededRandom(seed);
      for (let op = 0; op < 30; op++) {
        const roll = random();
        if (roll < 0.45 || created.length === 0) {
          const items = Array.from({ length: randomInt(random, 1, 2) }, () => ({
            sku: pick(random, skus),
            count: randomInt(random, 1, 3),
          }));
          await call("create", async () => {
            const { orderId } = await client.orders.orderCreate({ userId: BigInt(seed), items });
            created.push(orderId);
          });
        } else if (roll < 0.7) {
          const orderId = pick(random, created);
          await call("pay", () => client.orders.orderPay({ orderId }));
        } else if (roll < 0.9) {
          const orderId = pick(random, created);
          await call("cancel", () => client.orders.orderCancel({ orderId }));
        } else {
          // pay and cancel of the same order at the same moment
          const orderId = pick(random, created);
          await Promise.all([
            call("pay", () => client.orders.orderPay({ orderId })),
            call("cancel", () => client.orders.orderCancel({ orderId })),
          ]);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => worker(1000 + i)));
    expect(unexpected).toEqual([]);
    expect(tally.create).toBeGreaterThan(0);
    expect(tally.createRefused).toBeGreaterThan(0); // the scarce sku ran out
    expect(tally.pay + tally.cancel).toBeGreaterThan(0);

    const state = await readDbState(cluster);
    expect(invariantViolations(state)).toEqual([]);
    expect(countByStatus(state.orders).new ?? 0).toBe(0);
    // SPEC's own words, per sku of the storm: available = fixture available − units reserved or paid
    // since; reserved = fixture reserved + units of orders awaiting payment
    const paid = unitsOf(state.orders, ["paid"]);
    const awaiting = unitsOf(state.orders, ["awaiting payment"]);
    for (const sku of skus) {
      const fx = fixtureOf(sku);
      const taken = (paid.get(sku) ?? 0) + (awaiting.get(sku) ?? 0);
      const row = state.stocks.get(sku)!;
      expect({ sku, available: availableIn(row), reserved: row.reserved }).toEqual({
        sku,
        available: Math.max(0, fx.totalCount - fx.reserved - taken),
        reserved: fx.reserved + (awaiting.get(sku) ?? 0),
      });
      expect(await available(sku)).toBe(availableIn(row)!);
    }
    // and what StocksInfo says for every sku agrees with the database
    for (const fx of FIXTURE) expect(await available(fx.sku)).toBe(availableIn(state.stocks.get(fx.sku))!);
  }, 120_000);
  // SPEC's count is a uint32 (1..4294967295): counts above 2^31 - 1 must be stored and compared
  // exactly (bigint columns), giving failed_precondition like any short stock.
  test("OrderCreate with a count above int4 (a valid uint32) → failed_precondition, order stored as failed", async () => {
    const sku = 1625903n;
    const before = await available(sku);
    let err: ConnectError | undefined;
    try {
      await client.orders.orderCreate({ userId: 3n, items: [{ sku, count: 3_000_000_000 }] });
    } catch (e) {
      err = ConnectError.from(e);
    }
    expect(await available(sku)).toBe(before);
    expect(err?.code).toBe(Code.FailedPrecondition);
    const orderId = BigInt(/order (\d+)/.exec(err?.rawMessage ?? "")?.[1] ?? "0");
    expect((await client.orders.orderInfo({ orderId })).status).toBe("failed");
  });

  // Last: this instance expires every order awaiting payment in the databases, old ones included.
  test("a second LOMS instance expiring orders while payments race it: each order ends as its caller was told", async () => {
    const expiring = await spawnService("loms/src/main.ts", {
      portEnv: "LOMS_PORT",
      env: lomsEnv(cluster, { LOMS_ORDER_TTL_MS: "400", LOMS_EXPIRY_INTERVAL_MS: "100" }),
      timeoutMs: 60_000,
    });
    try {
      const instances = [client, lomsClients(expiring.url)];
      const random = seededRandom(77);
      const answers = new Map<bigint, "paid" | "refused">();
      const unexpected: string[] = [];
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const via = instances[i % 2]!;
          const { orderId } = await via.orders.orderCreate({
            userId: 9n,
            items: [{ sku: 2618151n, count: 1 }],
          });
          await Bun.sleep(randomInt(random, 0, 800)); // around the TTL
          try {
            await instances[(i + 1) % 2]!.orders.orderPay({ orderId });
            answers.set(orderId, "paid");
          } catch (err) {
            const e = ConnectError.from(err);
            if (e.code === Code.FailedPrecondition) answers.set(orderId, "refused");
            else unexpected.push(`[${Code[e.code]}] ${e.rawMessage}`);
          }
        }),
      );
      expect(unexpected).toEqual([]);
      const state = await waitFor(
        "the expiry job to cancel every unpaid order",
        async () => {
          const s = await readDbState(cluster);
          return s.orders.some((o) => o.status === "awaiting payment") ? undefined : s;
        },
        30_000,
        200,
      );
      for (const [orderId, answer] of answers) {
        const order = state.orders.find((o) => o.id === orderId);
        expect({ orderId, status: order?.status }).toEqual({
          orderId,
          status: answer === "paid" ? "paid" : "cancelled",
        });
      }
      expect(invariantViolations(state)).toEqual([]);
    } finally {
      expect(await expiring.stop()).toBe(0);
    }
  }, 120_000);
});
