// The course's cart load profile (`just bench cart`): products answers after 600 ms and refuses
// more than 10 requests in any 1-second window; two cart instances share one Redis (carts, product
// cache, rate limiter). Checks that every cart response is 200 and, counted AT PRODUCTS, that no
// 1-second window ever held more than 10 product calls. Writes bench/results/cart-load.md.
import { cpus } from "node:os";
import { startRedis } from "@route256/testkit/redis-server";
import { spawnService } from "@route256/testkit/spawn-service";

const LATENCY_MS = 600;
const SKUS = [
  1076963, 1148162, 1625903, 3596599, 135717466, 135937324, 139275865, 2958025, 2956315, 2618151, 3618852,
];
const TOKENS = Array.from({ length: 40 }, (_, i) => `load-token-${i}`);
const root = new URL("..", import.meta.url).pathname;

const redis = await startRedis();
const products = await spawnService("products/src/main.ts", {
  portEnv: "PRODUCTS_PORT",
  env: {
    PRODUCTS_LATENCY_MS: String(LATENCY_MS),
    PRODUCTS_RPS_LIMIT: "10",
    PRODUCTS_TOKENS: ["testToken", ...TOKENS].join(","),
  },
});
const loms = await spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT", env: { LOG_LEVEL: "warn" } });
const cartEnv = {
  CART_STORAGE: "redis",
  CART_REDIS_URL: redis.url,
  CART_PRODUCTS_URL: products.url,
  CART_LOMS_URL: loms.url,
  LOG_LEVEL: "warn",
};
const carts = await Promise.all([
  spawnService("cart/src/main.ts", { portEnv: "CART_PORT", env: cartEnv }),
  spawnService("cart/src/main.ts", { portEnv: "CART_PORT", env: cartEnv }),
]);
const cartUrl = (i: number) => (carts[i % carts.length] as { url: string }).url;

interface Phase {
  name: string;
  requests: number;
  non200: number;
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}
const phases: Phase[] = [];

async function phase(name: string, calls: (() => Promise<Response>)[]): Promise<void> {
  const started = performance.now();
  const results = await Promise.all(
    calls.map(async (call) => {
      const t0 = performance.now();
      const res = await call();
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t0 };
    }),
  );
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  phases.push({
    name,
    requests: results.length,
    non200: results.filter((r) => r.status !== 200).length,
    p50: at(0.5),
    p99: at(0.99),
    max: ms.at(-1) ?? 0,
    seconds: (performance.now() - started) / 1000,
  });
}

const list = (user: number, token?: string) => () =>
  fetch(`${cartUrl(user)}/user/${user}/cart`, { headers: token ? { "x-api-key": token } : {} });
const flushProductCache = async () => {
  const client = (await import("redis")).createClient({ url: redis.url });
  await client.connect();
  const keys = await client.keys("product:*");
  if (keys.length > 0) await client.del(keys);
  await client.quit();
};

try {
  // 70 users, each with the same 11 SKUs (adds warm the cache; flushed again below).
  for (let user = 1; user <= 70; user++) {
    for (const sku of SKUS) {
      const res = await fetch(`${cartUrl(user)}/user/${user}/cart/${sku}`, {
        method: "POST",
        body: '{"count":1}',
      });
      if (res.status !== 200)
        throw new Error(`add ${sku} for user ${user}: ${res.status} ${await res.text()}`);
    }
  }
  await flushProductCache();
  await phase("one cart of 11 SKUs, cold cache", [list(1)]);
  await flushProductCache();
  await phase(
    "70 concurrent GET /cart, cold cache",
    Array.from({ length: 70 }, (_, i) => list(i + 1)),
  );
  for (const size of [30, 50, 40, 45, 35]) {
    await phase(
      `burst of ${size} GET /cart`,
      Array.from({ length: size }, (_, i) => list(i + 1)),
    );
    await Bun.sleep(1000);
  }
  // Cache flushed and a different token per request: single-flight cannot share calls across
  // tokens, so every list costs 11 product calls — 20 × 11 = 220 calls through the limiter.
  await flushProductCache();
  await phase(
    "20 concurrent GET /cart, cold cache, 20 tokens (220 product calls)",
    Array.from({ length: 20 }, (_, i) => list(i + 1, TOKENS[i])),
  );
} finally {
  await Promise.all(carts.map((c) => c.stop()));
  await loms.stop();
}

// Counted at products: the time of every GetProduct it handled, from its access log.
const times = products
  .output()
  .split("\n")
  .filter((l) => l.includes('"path":"/products.v1.ProductService/GetProduct"'))
  .map((l) => Date.parse((JSON.parse(l) as { time: string }).time) - (JSON.parse(l) as { ms: number }).ms)
  .sort((a, b) => a - b);
let maxInWindow = 0;
for (let i = 0, j = 0; i < times.length; i++) {
  while ((times[i] as number) - (times[j] as number) >= 1000) j++;
  maxInWindow = Math.max(maxInWindow, i - j + 1);
}
const metrics = await (await fetch(`${products.url}/metrics`)).text();
const refused = metrics
  .split("\n")
  .filter((l) => l.startsWith("rpc_server_requests_total") && l.includes('code="resource_exhausted"'))
  .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
await products.stop();
await redis.stop();

const ok = phases.every((p) => p.non200 === 0) && maxInWindow <= 10 && refused === 0;
const text = [
  "# cart load benchmark (course profile)",
  "",
  `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}. products: ` +
    `${LATENCY_MS} ms latency, at most 10 requests in any 1 s window (PRODUCTS_RPS_LIMIT=10); 2 cart instances, ` +
    "one Redis (carts, product cache, shared limiter), LOMS in memory.",
  "",
  "| phase | requests | non-200 | p50 ms | p99 ms | max ms | phase s |",
  "|---|---:|---:|---:|---:|---:|---:|",
  ...phases.map(
    (p) =>
      `| ${p.name} | ${p.requests} | ${p.non200} | ${p.p50.toFixed(0)} | ${p.p99.toFixed(0)} | ${p.max.toFixed(0)} | ${p.seconds.toFixed(1)} |`,
  ),
  "",
  `Counted at products: ${times.length} GetProduct calls; the most in any 1-second window: **${maxInWindow}** ` +
    `(limit 10); calls products refused for exceeding its cap: **${refused}**.`,
  "",
  ok ? "Result: PASS" : "Result: FAIL",
  "",
].join("\n");
await Bun.write(`${root}bench/results/cart-load.md`, text);
console.log(text);
process.exit(ok ? 0 : 1);
