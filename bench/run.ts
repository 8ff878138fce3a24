// `just bench`: starts each service as its own process (LOG_LEVEL=warn, so the access log is not
// what gets measured) and loads it from separate client processes: autocannon for HTTP/1.1,
// bench/grpc-load.ts for gRPC over h2c. Concurrency 50, 10 s per scenario (BENCH_SECONDS to change).
// Results go to bench/results/<service>.md, the latest run replacing the previous one.
import { cpus } from "node:os";
import { spawnService, startOtlpReceiver, startPgCluster } from "@route256/platform";
import { lomsEnv } from "../loms/test/postgres/support.ts";
import { benchServer, serverReport } from "./server.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = 50;
const root = new URL("..", import.meta.url).pathname;

interface Result {
  scenario: string;
  rps: number;
  p99: number;
  errors: number;
}

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`${cmd.join(" ")} failed`);
  return out;
}

/** autocannon (under Node, its home runtime) against a JSON POST; returns average req/s and p99 ms. */
async function http1(
  scenario: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Result> {
  const h = Object.entries({ "content-type": "application/json", ...headers }).flatMap(([k, v]) => [
    "-H",
    `${k}=${v}`,
  ]);
  const out = await run([
    "node",
    "node_modules/autocannon/autocannon.js",
    "--json",
    "-c",
    String(CONCURRENCY),
    "-d",
    String(SECONDS),
    "-m",
    "POST",
    ...h,
    "-b",
    JSON.stringify(body),
    url,
  ]);
  const r = JSON.parse(out) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  return { scenario, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function grpc(scenario: string, url: string, name: string): Promise<Result> {
  const out = await run(["bun", "bench/grpc-load.ts", url, String(CONCURRENCY), String(SECONDS), name]);
  const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { rps: number; p99: number; errors: number };
  return { scenario, rps: r.rps, p99: r.p99, errors: r.errors };
}

async function benchProducts(): Promise<Result[]> {
  const products = await spawnService("products/src/main.ts", {
    portEnv: "PRODUCTS_PORT",
    env: { LOG_LEVEL: "warn" },
  });
  try {
    const token = { "x-api-key": "testToken" };
    return [
      await http1(
        "products GetProduct — Connect JSON, HTTP/1.1",
        `${products.url}/products.v1.ProductService/GetProduct`,
        { sku: 1076963 },
        token,
      ),
      await grpc("products GetProduct — gRPC, h2c", products.url, "GetProduct"),
    ];
  } finally {
    await products.stop();
  }
}

/**
 * What tracing costs on the cheapest RPC: products GetProduct (Connect JSON) with the SDK disabled,
 * with spans made but not exported (the default without OTEL_EXPORTER_OTLP_ENDPOINT), and exported
 * over OTLP/HTTP to a receiver in this process.
 */
async function benchTracing(): Promise<Result[]> {
  const receiver = startOtlpReceiver();
  const modes: [string, Record<string, string>][] = [
    ["SDK disabled", { OTEL_SDK_DISABLED: "true" }],
    ["spans made, not exported", {}],
    ["spans exported (OTLP/HTTP)", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }],
  ];
  const results: Result[] = [];
  try {
    for (const [mode, env] of modes) {
      const products = await spawnService("products/src/main.ts", {
        portEnv: "PRODUCTS_PORT",
        env: { LOG_LEVEL: "warn", OTEL_EXPORTER_OTLP_ENDPOINT: "", ...env },
      });
      try {
        results.push(
          await http1(
            `products GetProduct, Connect JSON — ${mode}`,
            `${products.url}/products.v1.ProductService/GetProduct`,
            { sku: 1076963 },
            { "x-api-key": "testToken" },
          ),
        );
      } finally {
        await products.stop();
      }
    }
    return results;
  } finally {
    await receiver.stop();
  }
}

/** Each scenario on a fresh LOMS, so OrderCreate runs never exhaust the stock for the next one. */
async function withLoms<T>(run: (url: string) => Promise<T>): Promise<T> {
  const loms = await spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT", env: { LOG_LEVEL: "warn" } });
  try {
    return await run(loms.url);
  } finally {
    await loms.stop();
  }
}

const PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";

/** pgbench with the same concurrency and duration as the service scenarios; req/s = its tps. */
async function pgbench(scenario: string, url: string, script: string): Promise<Result> {
  const out = await run([
    PGBENCH,
    "-n",
    "-M",
    "prepared",
    "-c",
    String(CONCURRENCY),
    "-j",
    "2",
    "-T",
    String(SECONDS),
    "-f",
    script,
    url,
  ]);
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const latencyAvg = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? Number.NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
  // pgbench reports the average latency only; p99 is left blank rather than guessed.
  return {
    scenario: `${scenario} (avg latency ${latencyAvg.toFixed(1)} ms)`,
    rps: tps,
    p99: Number.NaN,
    errors: failed,
  };
}

/**
 * LOMS on a durable 2-shard cluster (fsync on, synchronous replicas), and beside each scenario the
 * physical limit: pgbench running the same SQL on the same cluster.
 */
async function benchLomsPostgres(): Promise<Result[]> {
  const cluster = await startPgCluster({ durable: true });
  const env = lomsEnv(cluster);
  try {
    const loms = await spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT", env });
    const results: Result[] = [];
    try {
      results.push(
        await http1(
          "loms StocksInfo (postgres) — Connect JSON, HTTP/1.1",
          `${loms.url}/loms.v1.StockService/StocksInfo`,
          { sku: 1076963 },
          {},
        ),
        await grpc("loms StocksInfo (postgres) — gRPC, h2c", loms.url, "StocksInfo"),
        await grpc("loms OrderCreate (postgres) — gRPC, h2c", loms.url, "OrderCreate"),
      );
    } finally {
      await loms.stop();
    }
    const shard0 = cluster.shards[0] as { primary: string; replica: string };
    results.push(
      await pgbench(
        "pgbench: StocksInfo's SELECT on shard 0's replica",
        shard0.replica,
        "bench/pgbench/stocks-info.sql",
      ),
      await pgbench(
        "pgbench: OrderCreate's 3 transactions on shard 0",
        shard0.primary,
        "bench/pgbench/order-create.sql",
      ),
    );
    return results;
  } finally {
    await cluster.destroy();
  }
}

async function benchLoms(): Promise<Result[]> {
  const storage = "memory";
  return [
    await withLoms((url) =>
      http1(
        `loms StocksInfo (${storage}) — Connect JSON, HTTP/1.1`,
        `${url}/loms.v1.StockService/StocksInfo`,
        { sku: 1076963 },
        {},
      ),
    ),
    await withLoms((url) => grpc(`loms StocksInfo (${storage}) — gRPC, h2c`, url, "StocksInfo")),
    await withLoms((url) => grpc(`loms OrderCreate (${storage}) — gRPC, h2c`, url, "OrderCreate")),
  ];
}

function report(title: string, results: Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${Math.round(r.rps).toLocaleString("en")} | ${Number.isNaN(r.p99) ? "—" : r.p99.toFixed(1)} | ${r.errors} |`,
  );
  return [
    `# ${title}`,
    "",
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}; ` +
      `client and server share the machine. Concurrency ${CONCURRENCY}, ${SECONDS} s per scenario.`,
    "",
    "| scenario | req/s | p99 ms | errors |",
    "|---|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}

const suites: Record<string, () => Promise<Result[]>> = {
  products: benchProducts,
  loms: benchLoms,
  "loms-pg": benchLomsPostgres,
  tracing: benchTracing,
};
const only = process.argv[2];
for (const [name, suite] of Object.entries(suites)) {
  if (only && only !== name) continue;
  const text = report(`${name} benchmark`, await suite());
  await Bun.write(`${root}bench/results/${name}.md`, text);
  console.log(text);
}
if (!only || only === "server") {
  const results = await benchServer();
  const text = [
    "# server benchmark",
    "",
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}; ` +
      `client and server share the machine. Concurrency ${CONCURRENCY}, ${SECONDS} s per scenario, products with tracing off.`,
    "",
    serverReport(results),
    "",
  ].join("\n");
  await Bun.write(`${root}bench/results/server.md`, text);
  console.log(text);
}
// Scenarios with their own setup and report, each in its own process.
if (!only || only === "cart") await run(["bun", "bench/cart-load.ts"]).then((out) => console.log(out));
if (!only || only === "events") await run(["bun", "bench/events.ts"]).then((out) => console.log(out));
