// The load generators every bench suite uses, each in a process of its own: autocannon (under Node,
// its home runtime) for HTTP/1.1, bench/grpc-load.ts for gRPC over h2c. Concurrency 50,
// BENCH_SECONDS (10) per scenario.
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONCURRENCY = 50;
export const root = new URL("..", import.meta.url).pathname;

/** What one load run measured, client side. */
export interface Load {
  /** Requests completed (for CPU per request). */
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`${cmd.join(" ")} failed`);
  return out;
}

/** autocannon, 50 connections; a JSON body when given (POST), else a GET. */
export async function autocannon(
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Load> {
  const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const out = await run([
    "node",
    "node_modules/autocannon/autocannon.js",
    "--json",
    "-c",
    String(CONCURRENCY),
    "-d",
    String(SECONDS),
    ...(body === undefined
      ? ["-m", "GET"]
      : ["-m", "POST", "-H", "content-type=application/json", "-b", JSON.stringify(body)]),
    ...h,
    url,
  ]);
  const r = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

/** What a closed-loop run also knows: the OK answers, warm-up included (what the service must have kept). */
export interface ClosedLoad extends Load {
  ok: number;
}

/** bench/grpc-load.ts: 50 closed-loop callers (gRPC over one h2c connection, or `rest:` over HTTP/1.1). */
export async function grpcLoad(url: string, scenario: string): Promise<ClosedLoad> {
  const out = await run(["bun", "bench/grpc-load.ts", url, String(CONCURRENCY), String(SECONDS), scenario]);
  const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
    ok: number;
    requests: number;
    rps: number;
    p50: number;
    p99: number;
    errors: number;
  };
  return { ok: r.ok, requests: r.requests + r.errors, rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors };
}
