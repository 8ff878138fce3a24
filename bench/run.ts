// `just bench`: starts each service as its own process (LOG_LEVEL=warn, so the access log is not
// what gets measured) and loads it from separate client processes: autocannon for HTTP/1.1,
// bench/grpc-load.ts for gRPC over h2c. Concurrency 50, 10 s per scenario (BENCH_SECONDS to change).
// Results go to bench/results/<service>.md, the latest run replacing the previous one.
import { cpus } from "node:os";
import { startOtlpReceiver } from "@route256/testkit/otlp-receiver";
import { spawnService } from "@route256/testkit/spawn-service";
import { autocannon, CONCURRENCY, grpcLoad, root, run, SECONDS } from "./load.ts";
import { benchServer, serverReport } from "./server.ts";

interface Result {
  scenario: string;
  rps: number;
  p99: number;
  errors: number;
}

/** An HTTP/1.1 JSON POST scenario. */
async function http1(
  scenario: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Result> {
  const r = await autocannon(url, body, headers);
  return { scenario, rps: r.rps, p99: r.p99, errors: r.errors };
}

async function grpc(scenario: string, url: string, name: string): Promise<Result> {
  const r = await grpcLoad(url, name);
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
if (!only || only === "loms-pg") await run(["bun", "bench/loms-pg.ts"]).then((out) => console.log(out));
if (!only || only === "events") await run(["bun", "bench/events.ts"]).then((out) => console.log(out));
