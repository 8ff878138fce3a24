// A closed-loop gRPC load generator: C concurrent callers over ONE h2c connection (as a typical
// gRPC client multiplexes) for D seconds. Prints one JSON line: {requests, errors, rps, p50, p99}.
//
//   bun bench/grpc-load.ts URL CONCURRENCY SECONDS SCENARIO
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";

const [url = "", c = "50", d = "10", scenario = "GetProduct"] = process.argv.slice(2);
const concurrency = Number(c);
const durationMs = Number(d) * 1000;

const transport = createGrpcTransport({ baseUrl: url });
const products = createClient(ProductService, transport);
const stocks = createClient(StockService, transport);
const orders = createClient(OrderService, transport);
let user = 0n;
const scenarios: Record<string, () => Promise<unknown>> = {
  GetProduct: () => products.getProduct({ sku: 1076963n }, { headers: { "x-api-key": "testToken" } }),
  StocksInfo: () => stocks.stocksInfo({ sku: 1076963n }),
  // 1 unit of the fixture's deepest stock (65534 units) per order, a new user each time
  OrderCreate: () => orders.orderCreate({ userId: ++user, items: [{ sku: 139275865n, count: 1 }] }),
};
const call = scenarios[scenario];
if (!call) throw new Error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}`);

await call(); // warm-up and fail fast
const latencies: number[] = [];
let errors = 0;
const end = performance.now() + durationMs;
async function caller() {
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      await call?.();
      latencies.push(performance.now() - t0);
    } catch {
      errors++;
    }
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, caller));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    rps: latencies.length / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
  }),
);
process.exit(0);
