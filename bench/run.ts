// `just bench`: starts each service as its own process (LOG_LEVEL=warn, so the access log is not
// what gets measured) and loads it from separate client processes: autocannon for HTTP/1.1,
// bench/grpc-load.ts for gRPC over h2c. Concurrency 50, 10 s per scenario (BENCH_SECONDS to change).
// Results go to bench/results/<service>.md, the latest run replacing the previous one.
import { cpus } from "node:os";
import { spawnService } from "@route256/platform";

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

function report(title: string, results: Result[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${Math.round(r.rps).toLocaleString("en")} | ${r.p99.toFixed(1)} | ${r.errors} |`,
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

const results = await benchProducts();
const text = report("products benchmark", results);
await Bun.write(`${root}bench/results/products.md`, text);
console.log(text);
