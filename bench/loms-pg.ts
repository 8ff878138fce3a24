// `just bench loms-pg`: LOMS on PostgreSQL under load, next to pgbench running the same SQL on the
// same servers (the physical limit), in one run. Two setups: (a) one durable primary without a
// replica, (b) the real 2-shard cluster with synchronous replicas; each with WORKERS=1 and WORKERS=2.
// Per scenario: req/s, p50, p99, the service's CPU µs per call (utime+stime of the service process
// and all its workers over the run: every thread, and the main JS threads alone) and the box's CPU.
// After every OrderCreate run: 0 errors, 0 orders left in `new`, and the reserved stock grew by
// exactly the units of the OK answers. Results: bench/results/loms-pg.md. Takes about 8 minutes
// (BENCH_SECONDS=10 per scenario).
import { cpus, loadavg } from "node:os";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { type RawSql, rawSql } from "../loms/test/postgres/support.ts";
import { autocannon, type ClosedLoad, CONCURRENCY, grpcLoad, type Load, root, run, SECONDS } from "./load.ts";
import { onePrimary, type Setup, twoShards } from "./pg-setups.ts";
import { boxTicks, TICKS_PER_SECOND, treeTicks } from "./proc-cpu.ts";

// Knobs for a quick look at one thing: BENCH_SETUP=a|b, BENCH_WORKERS=1|2|1,2, BENCH_ONLY=<part of
// a scenario name> (pgbench's included).
// BENCH_LOG_LEVEL=info: with the access log (one JSON line per request; default warn, none).
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "warn";
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2").split(",").map(Number);
const ONLY = process.env.BENCH_ONLY;
const wanted = (scenario: string) => !ONLY || scenario.includes(ONLY);
const PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";
const POOL_MAX = 10;
/** Every stock deepened so that no run of any length runs out (the SKUs stay the fixture's 16). */
const DEEP_STOCK = 1_000_000_000;

interface Row {
  scenario: string;
  workers: number | "—";
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Service CPU µs per call: all threads, and the main JS threads; NaN for pgbench. */
  cpuUs: number;
  mainUs: number;
  /** The box's busy share over the run, in cores. */
  boxCores: number;
  check: string;
}

/** Charges the service tree's CPU (and the box's) over one load run to the calls it answered. */
async function measured<L extends Load>(
  pid: number | undefined,
  load: () => Promise<L>,
): Promise<{ load: L; cpuUs: number; mainUs: number; boxCores: number; seconds: number }> {
  const cpu0 = pid === undefined ? undefined : treeTicks(pid);
  const box0 = boxTicks();
  const t0 = performance.now();
  const r = await load();
  const seconds = (performance.now() - t0) / 1000;
  const box1 = boxTicks();
  const perCall = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / Math.max(1, r.requests);
  const cpu1 = pid === undefined ? undefined : treeTicks(pid);
  const cores = cpus().length;
  return {
    load: r,
    cpuUs: cpu0 && cpu1 ? perCall(cpu1.all - cpu0.all) : Number.NaN,
    mainUs: cpu0 && cpu1 ? perCall(cpu1.main - cpu0.main) : Number.NaN,
    boxCores: ((box1.busy - box0.busy) / Math.max(1, box1.total - box0.total)) * cores,
    seconds,
  };
}

/** Sum of reserved units over all stocks, and orders still in `new` on every primary. */
async function stockState(stocks: RawSql, primaries: RawSql[]): Promise<{ reserved: bigint; inNew: number }> {
  const [row] = await stocks<
    { reserved: bigint }[]
  >`SELECT coalesce(sum(reserved), 0)::bigint AS reserved FROM stocks`;
  let inNew = 0;
  for (const p of primaries) {
    const [n] = await p<{ n: bigint }[]>`SELECT count(*)::bigint AS n FROM orders WHERE status = 'new'`;
    inNew += Number(n?.n ?? 0n);
  }
  return { reserved: row?.reserved ?? 0n, inNew };
}

async function benchSetup(setup: Setup, workers: number): Promise<Row[]> {
  const loms: SpawnedService = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: {
      ...setup.env,
      LOG_LEVEL: LOG_LEVEL,
      WORKERS: String(workers),
      LOMS_PG_POOL_MAX: String(POOL_MAX),
    },
    timeoutMs: 60_000,
  });
  const stocks = rawSql(setup.stockPrimary);
  const primaries = setup.cluster.shards.map((s) => rawSql(s.primary));
  const rows: Row[] = [];
  const row = (scenario: string, m: Awaited<ReturnType<typeof measured>>, check = ""): Row => ({
    scenario,
    workers,
    rps: m.load.rps,
    p50: m.load.p50,
    p99: m.load.p99,
    errors: m.load.errors,
    cpuUs: m.cpuUs,
    mainUs: m.mainUs,
    boxCores: m.boxCores,
    check,
  });
  try {
    await stocks`UPDATE stocks SET total_count = ${DEEP_STOCK}`;
    if (wanted("StocksInfo — gRPC"))
      rows.push(row("StocksInfo — gRPC", await measured(loms.pid, () => grpcLoad(loms.url, "StocksInfo"))));
    if (wanted("StocksInfo — HTTP GET /stock/info"))
      rows.push(
        row(
          "StocksInfo — HTTP GET /stock/info",
          await measured(loms.pid, () => autocannon(`${loms.url}/stock/info?sku=1076963`)),
        ),
      );
    const orderScenarios: [string, string, number][] = [
      ["OrderCreate, one hot sku — gRPC", "OrderCreate", 1],
      ["OrderCreate, one hot sku — HTTP POST /order/create", "rest:OrderCreate", 1],
      ["OrderCreate, 2 of 16 skus — gRPC", "OrderCreateSpread", 2],
      ["OrderCreate, 2 of 16 skus — HTTP POST /order/create", "rest:OrderCreateSpread", 2],
    ];
    for (const [scenario, name, units] of orderScenarios) {
      if (!wanted(scenario)) continue;
      const before = await stockState(stocks, primaries);
      const m = await measured<ClosedLoad>(loms.pid, () => grpcLoad(loms.url, name));
      const after = await stockState(stocks, primaries);
      const reservedUp = after.reserved - before.reserved;
      const okUnits = BigInt(m.load.ok * units);
      const pass = m.load.errors === 0 && after.inNew === 0 && reservedUp === okUnits;
      rows.push(
        row(
          scenario,
          m,
          `${pass ? "PASS" : "FAIL"}: ${m.load.errors} errors, ${after.inNew} in new, reserved +${reservedUp} = OK units ${okUnits}`,
        ),
      );
    }
    return rows;
  } finally {
    await Promise.all([stocks, ...primaries].map((p) => p.end({ timeout: 5 })));
    await loms.stop();
  }
}

/** pgbench with the service scenarios' concurrency and duration; its tps and average latency. */
async function pgbench(scenario: string, url: string, script: string, vars: string[]): Promise<Row> {
  const m = await measured(undefined, async () => {
    const args = ["-n", "-M", "prepared", "-c", String(CONCURRENCY), "-j", "2", "-T", String(SECONDS)];
    const out = await run([PGBENCH, ...args, ...vars.flatMap((v) => ["-D", v]), "-f", script, url]);
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
    const avg = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? Number.NaN);
    // pgbench reports the average latency only: it stands in the p50 column, marked as such.
    return { requests: Math.round(tps * SECONDS), rps: tps, p50: avg, p99: Number.NaN, errors: failed };
  });
  return {
    scenario: `pgbench: ${scenario}`,
    workers: "—",
    rps: m.load.rps,
    p50: m.load.p50,
    p99: Number.NaN,
    errors: m.load.errors,
    cpuUs: Number.NaN,
    mainUs: Number.NaN,
    boxCores: m.boxCores,
    check: "p50 column: average latency",
  };
}

async function bench(start: () => Promise<Setup>): Promise<{ setup: string; rows: Row[] }> {
  const setup = await start();
  try {
    const rows: Row[] = [];
    for (const workers of WORKERS) rows.push(...(await benchSetup(setup, workers)));
    const stocks = rawSql(setup.stockPrimary);
    try {
      await stocks`UPDATE stocks SET total_count = ${DEEP_STOCK}`;
    } finally {
      await stocks.end({ timeout: 5 });
    }
    const scripts: [string, string, string, string[]][] = [
      ["StocksInfo's SELECT", setup.readUrl, "stocks-info.sql", []],
      ["OrderCreate's SQL, one hot sku", setup.stockPrimary, "order-create.sql", ["spread=0"]],
      ["OrderCreate's SQL, 2 of 16 skus", setup.stockPrimary, "order-create.sql", ["spread=1"]],
    ];
    for (const [scenario, url, script, vars] of scripts) {
      if (wanted(scenario)) rows.push(await pgbench(scenario, url, `bench/pgbench/${script}`, vars));
    }
    return { setup: setup.name, rows };
  } finally {
    await setup.cluster.destroy();
  }
}

const fmt = (n: number, digits = 0) =>
  Number.isNaN(n)
    ? "—"
    : n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(rows: Row[]): string[] {
  return [
    "| scenario | workers | req/s | p50 ms | p99 ms | errors | service CPU µs/call (all / main threads) | box CPU (cores of 2) | check |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.workers} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ` +
        `${Number.isNaN(r.cpuUs) ? "—" : `${fmt(r.cpuUs)} / ${fmt(r.mainUs)}`} | ${fmt(r.boxCores, 2)} | ${r.check} |`,
    ),
  ];
}

const started = performance.now();
const load0 = loadavg()[0] ?? 0;
const only = process.env.BENCH_SETUP; // "a" or "b": one setup only
const results = [];
if (only !== "b") results.push(await bench(onePrimary));
if (only !== "a") results.push(await bench(twoShards));
const text = [
  "# loms-pg benchmark",
  "",
  `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}, ` +
    `in ${Math.round((performance.now() - started) / 1000)} s; client, service and PostgreSQL share the machine. ` +
    `Concurrency ${CONCURRENCY}, ${SECONDS} s per scenario, PostgreSQL 15 with fsync on, pool ${POOL_MAX} per worker, ` +
    `LOG_LEVEL=${LOG_LEVEL}, tracing as deployed (no exporter: trace ids only). ` +
    `Load average ${load0.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end ` +
    "(the box CPU column counts everything the machine ran, other work included).",
  "",
  ...results.flatMap((r) => [`## ${r.setup}`, "", ...table(r.rows), ""]),
].join("\n");
await Bun.write(`${root}bench/results/loms-pg.md`, text);
console.log(text);
const failed = results.flatMap((r) => r.rows).filter((r) => r.check.startsWith("FAIL"));
if (failed.length > 0) {
  console.error(`${failed.length} OrderCreate run(s) failed their check`);
  process.exit(1);
}
