// `just bench server`: what one request costs the one-port server, per protocol. products
// GetProduct (tracing off, LOG_LEVEL=warn) over Connect JSON (HTTP/1.1), REST (HTTP/1.1) and gRPC
// (h2c), beside a bare Bun.serve answering fixed JSON in the same run: the ceiling. The figure that
// holds on a shared 2-core machine is the server's CPU per request, read from /proc over the run:
// the whole process (utime+stime) and its main JS thread alone. Two rounds, interleaved.
import { freePort } from "@route256/testkit/ports";
import { spawnService } from "@route256/testkit/spawn-service";
import { autocannon, grpcLoad, type Load, root } from "./load.ts";
import { processTicks, TICKS_PER_SECOND, threadTicks } from "./proc-cpu.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

export interface ServerResult {
  scenario: string;
  rps: number;
  p99: number;
  errors: number;
  /** CPU µs per request: the whole server process, and its main thread. */
  cpuUs: number;
  mainUs: number;
}

/** Runs a load and charges the server's CPU over it to the requests it completed. */
async function measured(scenario: string, pid: number, load: () => Promise<Load>): Promise<ServerResult> {
  const cpu0 = processTicks(pid);
  const main0 = threadTicks(pid);
  const r = await load();
  const perRequest = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / Math.max(1, r.requests);
  return {
    scenario,
    rps: r.rps,
    p99: r.p99,
    errors: r.errors,
    cpuUs: perRequest(processTicks(pid) - cpu0),
    mainUs: perRequest(threadTicks(pid) - main0),
  };
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
          autocannon(`http://127.0.0.1:${barePort}/`, { sku: 1076963 }),
        ),
        await measured(`GetProduct — Connect JSON, HTTP/1.1${tag}`, products.pid, () =>
          autocannon(`${products.url}/products.v1.ProductService/GetProduct`, { sku: 1076963 }, token),
        ),
        await measured(`GET /product/1076963 — REST, HTTP/1.1${tag}`, products.pid, () =>
          autocannon(`${products.url}/product/1076963`, undefined, token),
        ),
        await measured(`GetProduct — gRPC, h2c${tag}`, products.pid, () =>
          grpcLoad(products.url, "GetProduct"),
        ),
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
