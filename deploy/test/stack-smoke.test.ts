// The native full stack as a user starts it (`just up`: PostgreSQL shards with synchronous replicas,
// a PgBouncer per primary, Redis, Kafka, products, two LOMS, cart, three notifiers, Prometheus),
// walked along the purchase path, with an OTLP receiver standing in for Jaeger: one checkout must
// come back as one trace with spans from cart, LOMS and the notifier; LOMS's writes must have gone
// through the bouncers, and Prometheus must have scraped every service. Everything lives in a
// temporary STACK_DIR; `just down` at the end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "@route256/testkit/otlp-receiver";
import { runCommand } from "@route256/testkit/run-script";
import { parseHttpFile, runHttpFile } from "../../http/test/http-file.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CART = "http://127.0.0.1:8080";
const LOMS = "http://127.0.0.1:8084";
// Every port the native stack listens on (scripts/stack.sh, scripts/infra.sh).
const STACK_PORTS = [
  8080, 8082, 8084, 8085, 8086, 8087, 8088, 55432, 55433, 55434, 55435, 6432, 6433, 6379, 9092, 9093, 9090,
];
/** The bouncers in front of shard 0's and shard 1's primary (scripts/pgbouncer-local.sh). */
const BOUNCERS = [6432, 6433];
const PROMETHEUS = "http://127.0.0.1:9090";
const UP_TIMEOUT_MS = 240_000;

let receiver: OtlpReceiver;
let stackDir: string;
let env: Record<string, string>;

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function just(recipe: string): Promise<string> {
  const { code, output } = await runCommand([join(ROOT, "node_modules/.bin/just"), recipe], env, ROOT);
  if (code !== 0) throw new Error(`just ${recipe} exited with ${code}:\n${output}`);
  return output;
}

beforeAll(async () => {
  const taken = [];
  for (const port of STACK_PORTS) if (await portTaken(port)) taken.push(port);
  if (taken.length > 0) {
    throw new Error(
      `ports ${taken.join(", ")} are in use: stop what runs there (\`just down\`) and run again`,
    );
  }
  receiver = startOtlpReceiver();
  stackDir = mkdtempSync(join(tmpdir(), "route256-stack-"));
  chmodSync(stackDir, 0o711); // PostgreSQL runs as 'postgres' and must traverse to its data dir
  env = {
    STACK_MODE: "native",
    STACK_DIR: stackDir,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "200",
  };
  await just("up");
}, UP_TIMEOUT_MS);

afterAll(async () => {
  try {
    if (env) await just("down");
  } finally {
    await receiver?.stop();
    if (stackDir) rmSync(stackDir, { recursive: true, force: true });
  }
}, 120_000);

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Polls until `cond` holds (up to `ms`); the last value is returned either way for the assertion. */
async function eventually<T>(read: () => T | Promise<T>, cond: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  let value = await read();
  while (!cond(value) && performance.now() < deadline) {
    await Bun.sleep(200);
    value = await read();
  }
  return value;
}

/** "order N: status S" lines of all three notifiers for one order, as printed. */
function notified(orderId: string): string[] {
  const logs = join(stackDir, "logs");
  const lines: string[] = [];
  for (const file of readdirSync(logs).filter((f) => f.startsWith("notifier-"))) {
    for (const raw of readFileSync(join(logs, file), "utf8").split("\n")) {
      if (!raw.startsWith("{")) continue;
      const msg = String((JSON.parse(raw) as { msg?: string }).msg);
      const m = /^order (\d+): status (.+)$/.exec(msg);
      if (m?.[1] === orderId) lines.push(m[2] as string);
    }
  }
  return lines;
}

/** A SHOW command on a bouncer's admin console (psql, simple protocol, as the console requires), as rows. */
async function bouncerAdmin(port: number, command: string): Promise<Record<string, string>[]> {
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/pgbouncer`;
  const { code, output } = await runCommand(["psql", url, "--csv", "-c", command], {});
  if (code !== 0) throw new Error(`psql ${command} on :${port} failed:\n${output}`);
  const [header, ...rows] = output
    .trim()
    .split("\n")
    .map((l) => l.split(","));
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""])));
}

const lomsTransactions = async (port: number) =>
  Number((await bouncerAdmin(port, "SHOW STATS")).find((r) => r.database === "loms")?.total_xact_count ?? 0);

describe("just up (native) — purchase path, notifications, one trace", () => {
  const user = 1000 + Math.floor(Math.random() * 1000);
  let paidOrder = "";

  test("add → list → checkout → info → pay", async () => {
    expect((await call(CART, "POST", `/user/${user}/cart/1076963`, { count: 2 })).status).toBe(200);
    expect((await call(CART, "POST", `/user/${user}/cart/1148162`, { count: 1 })).status).toBe(200);
    const list = await call(CART, "GET", `/user/${user}/cart`);
    expect(list.status).toBe(200);
    expect((list.body.items as { sku: number; count: number }[]).map((i) => [i.sku, i.count])).toEqual([
      [1076963, 2],
      [1148162, 1],
    ]);
    expect(list.body.total_price).toBeGreaterThan(0);
    const checkout = await call(CART, "POST", `/checkout/${user}`);
    expect(checkout.status).toBe(200);
    paidOrder = String(checkout.body.order_id);
    const info = await call(LOMS, "GET", `/order/info?orderId=${paidOrder}`);
    expect(info.body.status).toBe("awaiting payment");
    expect(info.body.userId).toBe(String(user));
    expect((await call(LOMS, "POST", "/order/pay", { orderId: paidOrder })).status).toBe(200);
    expect((await call(LOMS, "GET", `/order/info?orderId=${paidOrder}`)).body.status).toBe("paid");
  });

  test("add → checkout → cancel", async () => {
    expect((await call(CART, "POST", `/user/${user}/cart/1076963`, { count: 1 })).status).toBe(200);
    const checkout = await call(CART, "POST", `/checkout/${user}`);
    expect(checkout.status).toBe(200);
    const orderId = String(checkout.body.order_id);
    expect((await call(LOMS, "POST", "/order/cancel", { orderId })).status).toBe(200);
    expect((await call(LOMS, "GET", `/order/info?orderId=${orderId}`)).body.status).toBe("cancelled");
    const lines = await eventually(
      () => notified(orderId),
      (l) => l.length >= 3,
    );
    expect(lines).toEqual(["new", "awaiting payment", "cancelled"]);
  });

  test("the notifiers print every change of the paid order exactly once, in order", async () => {
    const lines = await eventually(
      () => notified(paidOrder),
      (l) => l.length >= 3,
    );
    await Bun.sleep(500); // a duplicate, were there one, would show up now
    expect(notified(paidOrder)).toEqual(["new", "awaiting payment", "paid"]);
    expect(lines.length).toBe(3);
  });

  test("the checkout is one trace: cart's request, LOMS's RPC and queries, the notifier's consume", async () => {
    const checkoutSpan = (spans: readonly ReceivedSpan[]) =>
      spans.find((s) => s.service === "cart" && s.name === "POST /checkout/:user_id");
    const servicesOf = (spans: readonly ReceivedSpan[], traceId: string) =>
      new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service));
    const spans = await eventually(
      () => receiver.spans(),
      (all) => {
        const root = checkoutSpan(all);
        return root !== undefined && servicesOf(all, root.traceId).size >= 3;
      },
    );
    const root = checkoutSpan(spans) as ReceivedSpan;
    expect(root).toBeDefined();
    const trace = spans.filter((s) => s.traceId === root.traceId);
    expect(servicesOf(spans, root.traceId)).toEqual(new Set(["cart", "loms", "notifier"]));
    const names = (service: string) => trace.filter((s) => s.service === service).map((s) => s.name);
    expect(names("cart")).toContain("loms.v1.OrderService/OrderCreate");
    expect(names("loms")).toContain("loms.v1.OrderService/OrderCreate");
    expect(names("loms")).toContain("InsertOrder");
    expect(names("loms")).toContain("loms.order-events publish");
    expect(names("notifier")).toContain("loms.order-events process");
    // One tree: every span but the root has its parent in the trace.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s.parentSpanId !== "" && !ids.has(s.parentSpanId))).toEqual([]);
    expect(root.parentSpanId).toBe("");
  });

  test("LOMS writes through PgBouncer: both instances are clients of each bouncer, and orders go through", async () => {
    const before = await Promise.all(BOUNCERS.map(lomsTransactions));
    // two orders: new orders go round-robin over the shards, so each bouncer carries one
    for (let i = 0; i < 2; i++) {
      const created = await call(LOMS, "POST", "/order/create", {
        userId: user,
        items: [{ sku: 1076963, count: 1 }],
      });
      expect(created.status).toBe(200);
    }
    const after = await Promise.all(BOUNCERS.map(lomsTransactions));
    for (const [i, port] of BOUNCERS.entries()) {
      expect({ port, more: (after[i] as number) > (before[i] as number) }).toEqual({ port, more: true });
      const clients = (await bouncerAdmin(port, "SHOW CLIENTS")).filter((c) => c.database === "loms");
      // loms and loms-2 each keep pooled connections to every primary, all through the bouncer
      expect(clients.filter((c) => c.application_name === "loms").length).toBeGreaterThanOrEqual(2);
      expect(clients.every((c) => c.application_name === "loms" && c.user === "postgres")).toBe(true);
    }
  });

  test("Prometheus scrapes every service with compose's scrape configuration, and has their metrics", async () => {
    type Target = { labels: { job: string; instance: string }; health: string; lastError: string };
    const targets = async () =>
      (
        (await (await fetch(`${PROMETHEUS}/api/v1/targets?state=active`)).json()) as {
          data: { activeTargets: Target[] };
        }
      ).data.activeTargets;
    const scraped = await eventually(targets, (all) => all.length > 0 && all.every((t) => t.health === "up"));
    const byJob = (all: Target[]) =>
      Object.fromEntries(
        ["products", "loms", "cart", "notifier"].map((job) => [
          job,
          all
            .filter((t) => t.labels.job === job)
            .map((t) => `${t.labels.instance} ${t.health} ${t.lastError}`.trim())
            .sort(),
        ]),
      );
    expect(byJob(scraped)).toEqual({
      products: ["127.0.0.1:8082 up"],
      loms: ["127.0.0.1:8084 up", "127.0.0.1:8085 up"],
      cart: ["127.0.0.1:8080 up"],
      notifier: ["127.0.0.1:8086 up", "127.0.0.1:8087 up", "127.0.0.1:8088 up"],
    });
    // not only reachable: the services' own series are in its database
    const query = async (q: string) =>
      (
        (await (await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
          data: { result: { metric: Record<string, string> }[] };
        }
      ).data.result;
    const seriesOf = async (metric: string) => new Set((await query(metric)).map((r) => r.metric.job));
    const seen = await eventually(
      async () => ({
        rpc: await seriesOf("rpc_server_requests_total"),
        events: await seriesOf("notifier_events_total"),
      }),
      (m) => ["cart", "loms", "products"].every((j) => m.rpc.has(j)) && m.events.has("notifier"),
    );
    expect([...seen.rpc].sort()).toEqual(["cart", "loms", "products"]);
    expect([...seen.events]).toEqual(["notifier"]);
  });

  test("the .http example files answer as they state, on their usual ports", async () => {
    const wrong: string[] = [];
    for (const name of ["products.http", "loms.http", "cart.http"]) {
      const file = parseHttpFile(readFileSync(join(ROOT, "http", name), "utf8"), name);
      wrong.push(...(await runHttpFile(file, name)));
    }
    expect(wrong).toEqual([]);
  });
});
