// A closed-loop load generator: C concurrent callers for D seconds, each waiting for its answer
// before the next call, and every call started is awaited before the totals are printed (so an
// OrderCreate the service committed is never one the client gave up on). gRPC scenarios run over
// ONE h2c connection (as a typical gRPC client multiplexes); `rest:` scenarios over HTTP/1.1
// keep-alive connections (fetch). Prints one JSON line: {ok, requests, errors, rps, p50, p99};
// `ok` counts every OK answer, the warm-up call included.
//
//   bun bench/grpc-load.ts URL CONCURRENCY SECONDS SCENARIO
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { BENCH_SKUS, HOT_SKU, spreadPair } from "./skus.ts";

const [url = "", c = "50", d = "10", scenario = "GetProduct"] = process.argv.slice(2);
const concurrency = Number(c);
const durationMs = Number(d) * 1000;

const transport = createGrpcTransport({ baseUrl: url });
const products = createClient(ProductService, transport);
const stocks = createClient(StockService, transport);
const orders = createClient(OrderService, transport);
let user = 0n;
const hotItems = () => [{ sku: HOT_SKU, count: 1 }];
const spreadItems = () => spreadPair().map((sku) => ({ sku, count: 1 }));

/** A REST route of LOMS: POST with a JSON body, or GET without; anything but 200 is an error. */
async function rest(path: string, body?: unknown): Promise<void> {
  const res = await fetch(
    `${url}${path}`,
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        },
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
}

const scenarios: Record<string, () => Promise<unknown>> = {
  GetProduct: () => products.getProduct({ sku: 1076963n }, { headers: { "x-api-key": "testToken" } }),
  StocksInfo: () => stocks.stocksInfo({ sku: 1076963n }),
  // 1 unit of one hot SKU per order, a new user each time
  OrderCreate: () => orders.orderCreate({ userId: ++user, items: hotItems() }),
  // 1 unit each of 2 different SKUs of the 16, drawn per order
  OrderCreateSpread: () => orders.orderCreate({ userId: ++user, items: spreadItems() }),
  "rest:StocksInfo": () => rest("/stock/info?sku=1076963"),
  "rest:OrderCreate": () => rest("/order/create", { userId: ++user, items: hotItems() }),
  "rest:OrderCreateSpread": () => rest("/order/create", { userId: ++user, items: spreadItems() }),
};
const call = scenarios[scenario];
if (!call) throw new Error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}`);
if (BENCH_SKUS.length < 2) throw new Error("the spread scenarios need at least 2 SKUs");

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
    ok: latencies.length + 1,
    requests: latencies.length,
    errors,
    rps: latencies.length / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
  }),
);
process.exit(0);
