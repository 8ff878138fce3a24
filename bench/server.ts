// `just bench server`: what one request costs the one-port server, per protocol. products
// GetProduct (tracing off, LOG_LEVEL=warn) over Connect JSON (HTTP/1.1), REST (HTTP/1.1) and gRPC
// (h2c), beside a bare Bun.serve answering fixed JSON in the same run: the ceiling. The figure that
// holds on a shared 2-core machine is the server's CPU per request, read from /proc over the run:
// the whole process (utime+stime) and its main JS thread alone. Two rounds, interleaved.
import { readFileSync } from "node:fs";
import { freePort, spawnService } from "@route256/platform";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 50;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const root = new URL("..", import.meta.url).pathname;

export interface ServerResult {
  scenario: string;
  rps: number;
  p99: number;
  errors: number;
  /** CPU µs per request: the whole server process, and its main thread. */
  cpuUs: number;
  mainUs: number;
}

/** utime+stime in clock ticks of a process (or of one of its threads, `task`). */
function cpuTicks(pid: number, task = pid): number {
  const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`${cmd.join(" ")} failed`);
  return out;
}

/** Runs a load and charges the server's CPU over it to the requests it completed. */
async function measured(
  scenario: string,
  pid: number,
  load: () => Promise<{ requests: number; rps: number; p99: number; errors: number }>,
): Promise<ServerResult> {
  const cpu0 = processTicks(pid);
  const main0 = cpuTicks(pid);
  const r = await load();
  const perRequest = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / Math.max(1, r.requests);
  return {
    scenario,
    rps: r.rps,
    p99: r.p99,
    errors: r.errors,
    cpuUs: perRequest(processTicks(pid) - cpu0),
    mainUs: perRequest(cpuTicks(pid) - main0),
  };
}

/** autocannon (under Node, its home runtime), 50 connections. */
async function autocannon(
  url: string,
  method: "GET" | "POST",
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const out = await run([
    "node",
    "node_modules/autocannon/autocannon.js",
    "--json",
    "-c",
    String(CONCURRENCY),
    "-d",
    String(SECONDS),
    "-m",
    method,
    ...h,
    ...(body === undefined ? [] : ["-H", "content-type=application/json", "-b", JSON.stringify(body)]),
    url,
  ]);
  const r = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

async function grpcLoad(url: string) {
  const out = await run([
    "bun",
    "bench/grpc-load.ts",
    url,
    String(CONCURRENCY),
    String(SECONDS),
    "GetProduct",
  ]);
  const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
    requests: number;
    rps: number;
    p99: number;
    errors: number;
  };
  return { requests: r.requests + r.errors, rps: r.rps, p99: r.p99, errors: r.errors };
}

export async function benchServer(): Promise<ServerResult[]> {
  const barePort = await freePort();
  const bare = Bun.spawn(["bun", "bench/bare-server.ts", String(barePort)], { cwd: root, stdout: "pipe" });
  for await (const _ of bare.stdout) break; // it printed that it listens
  const products = await spawnService("products/src/main.ts", {
    portEnv: "PRODUCTS_PORT",
    env: { LOG_LEVEL: "warn", OTEL_SDK_DISABLED: "true" },
  });
  const token = { "x-api-key": "testToken" };
  const results: ServerResult[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const tag = ROUNDS > 1 ? ` (round ${round})` : "";
      results.push(
        await measured(`bare Bun.serve, fixed JSON — the ceiling${tag}`, bare.pid, () =>
          autocannon(`http://127.0.0.1:${barePort}/`, "POST", { sku: 1076963 }),
        ),
        await measured(`GetProduct — Connect JSON, HTTP/1.1${tag}`, products.pid, () =>
          autocannon(
            `${products.url}/products.v1.ProductService/GetProduct`,
            "POST",
            { sku: 1076963 },
            token,
          ),
        ),
        await measured(`GET /product/1076963 — REST, HTTP/1.1${tag}`, products.pid, () =>
          autocannon(`${products.url}/product/1076963`, "GET", undefined, token),
        ),
        await measured(`GetProduct — gRPC, h2c${tag}`, products.pid, () => grpcLoad(products.url)),
      );
    }
    return results;
  } finally {
    await products.stop();
    bare.kill();
  }
}

export function serverReport(results: ServerResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${Math.round(r.rps).toLocaleString("en")} | ${r.p99.toFixed(1)} | ${r.errors} | ${Math.round(r.cpuUs)} | ${Math.round(r.mainUs)} |`,
  );
  return [
    "| scenario | req/s | p99 ms | errors | CPU µs/req (process) | CPU µs/req (main thread) |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}
