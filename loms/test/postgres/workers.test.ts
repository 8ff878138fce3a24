// LOMS with WORKERS=2 on a real 2-shard cluster: two processes share the one port, answer for each
// other on /metrics, run the background jobs side by side without doing any order twice, and drain
// together on SIGTERM. (platform/src/server/workers.ts)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestPgCluster } from "@route256/testkit/pg-cluster";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import {
  CLUSTER_TIMEOUT_MS,
  countByStatus,
  invariantViolations,
  lomsEnv,
  readDbState,
  startCluster,
  waitFor,
} from "./support.ts";

const SKU = 1625903n; // 10000 units, none reserved in the fixture
let cluster: TestPgCluster;
let loms: SpawnedService;

beforeAll(async () => {
  cluster = await startCluster();
  // The embedded mode's LOMS: the notifier's handler in each worker prints what that worker published.
  loms = await spawnService("scripts/embedded-loms.ts", {
    portEnv: "LOMS_PORT",
    env: lomsEnv(cluster, {
      WORKERS: "2",
      LOG_LEVEL: "debug", // scrapes are logged at debug: the test sees which worker answered each
      // Every order of this file expires soon after it is made; both workers look often.
      LOMS_ORDER_TTL_MS: "1500",
      LOMS_EXPIRY_INTERVAL_MS: "100",
      // The relay's poll is an hour away: only the outbox's NOTIFY can wake it within this file.
      LOMS_RELAY_INTERVAL_MS: "3600000",
    }),
    timeoutMs: 60_000,
  });
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await loms?.stop(); // already stopped by the last test: resolves with its exit code at once
  await cluster?.destroy();
}, CLUSTER_TIMEOUT_MS);

/** One Connect JSON call on a connection of its own, so the kernel picks a worker each time. */
async function call(path: string, body: unknown): Promise<Response> {
  return fetch(`${loms.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", connection: "close" },
    body: JSON.stringify(body),
  });
}

function requestLinesByWorker(path: string): Map<number, number> {
  const byWorker = new Map<number, number>();
  for (const raw of loms.output().split("\n")) {
    if (!raw.startsWith("{")) continue;
    const line = JSON.parse(raw) as { msg?: string; path?: string; worker?: number };
    if (line.msg === "request" && line.path === path && line.worker !== undefined) {
      byWorker.set(line.worker, (byWorker.get(line.worker) ?? 0) + 1);
    }
  }
  return byWorker;
}

describe("LOMS with WORKERS=2", () => {
  const created: bigint[] = [];

  test("both workers serve the one port; a scrape of either counts every call", async () => {
    for (let i = 0; i < 40; i++) {
      const res = await call("/loms.v1.OrderService/OrderCreate", {
        userId: i + 1,
        items: [{ sku: String(SKU), count: 1 }],
      });
      expect(res.status).toBe(200);
      created.push(BigInt((await res.json()).orderId));
    }
    const byWorker = await waitFor(
      "the access log lines of 40 calls",
      async () => {
        const seen = requestLinesByWorker("/loms.v1.OrderService/OrderCreate");
        return [...seen.values()].reduce((a, b) => a + b, 0) === 40 ? seen : undefined;
      },
      10_000,
    );
    expect([...byWorker.keys()].sort()).toEqual([0, 1]);

    // Scrape until both workers have answered one (the kernel picks per connection; 100 tries
    // all landing on one worker would be a 2^-99 chance): every answer counts all 40 calls.
    for (let scrape = 0; scrape < 100 && requestLinesByWorker("/metrics").size < 2; scrape++) {
      const text = await (await fetch(`${loms.url}/metrics`, { headers: { connection: "close" } })).text();
      const line = text
        .split("\n")
        .find(
          (l) => l.startsWith("rpc_server_requests_total{") && l.includes('method="OrderCreate",code="ok"'),
        );
      expect(Number(line?.split(" ").pop())).toBe(40);
      await waitFor(
        "the scrape's access log line",
        async () => (loms.output().includes('"path":"/metrics"') ? true : undefined),
        5_000,
      );
    }
    expect(requestLinesByWorker("/metrics").size).toBe(2);
  });

  test("both run the expiry job: every order expires exactly once, every unit comes back once", async () => {
    const state = await waitFor(
      "all 40 orders cancelled by expiry",
      async () => {
        const s = await readDbState(cluster);
        const ours = s.orders.filter((o) => created.includes(o.id));
        return ours.length === 40 && ours.every((o) => o.status === "cancelled") ? s : undefined;
      },
      30_000,
    );
    expect(countByStatus(state.orders.filter((o) => created.includes(o.id)))).toEqual({ cancelled: 40 });
    expect(invariantViolations(state)).toEqual([]);
    expect(state.stocks.get(SKU)?.reserved).toBe(0); // released once each: never below, never left over
    // What each worker's job reports expiring: 40 in all, whichever worker claimed which.
    const expiredBy = new Map<number, number>();
    for (const raw of loms.output().split("\n")) {
      if (!raw.includes('"msg":"expired unpaid orders"')) continue;
      const line = JSON.parse(raw) as { worker: number; count: number };
      expiredBy.set(line.worker, (expiredBy.get(line.worker) ?? 0) + line.count);
    }
    expect([...expiredBy.values()].reduce((a, b) => a + b, 0)).toBe(40);
  });

  test("the relay, woken by NOTIFY, publishes every change exactly once across the workers", async () => {
    // scripts/embedded-loms.ts: the notifier's handler runs in each worker and prints what its relay published.
    const statusLines = () =>
      loms
        .output()
        .split("\n")
        .filter((l) => /"msg":"order \d+: status /.test(l))
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
    const expected = created.flatMap((id) => [
      `order ${id}: status new`,
      `order ${id}: status awaiting payment`,
      `order ${id}: status cancelled`,
    ]);
    const lines = await waitFor(
      "a line for each of the 120 status changes",
      async () => {
        const seen = statusLines();
        return expected.every((e) => seen.includes(e)) ? seen : undefined;
      },
      20_000,
    );
    expect(lines.filter((l) => expected.includes(l)).length).toBe(expected.length); // none twice
  });

  test("SIGTERM drains both workers and the service exits 0", async () => {
    expect(await loms.stop()).toBe(0);
    const closed = loms
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"closed"'))
      .map((l) => /"worker":(\d+)/.exec(l)?.[1]);
    expect(closed.sort()).toEqual(["0", "1"]);
  });
});
