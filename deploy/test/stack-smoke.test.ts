// The native full stack as a user starts it (`just up`: PostgreSQL shards with synchronous replicas,
// Redis, Kafka, products, LOMS, cart and three notifiers), walked along the purchase path, with an
// OTLP receiver standing in for Jaeger: one checkout must come back as one trace with spans from
// cart, LOMS and the notifier. Everything lives in a temporary STACK_DIR; `just down` at the end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OtlpReceiver, type ReceivedSpan, runCommand, startOtlpReceiver } from "@route256/platform";
import { parseHttpFile, runHttpFile } from "../../http/test/http-file.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CART = "http://127.0.0.1:8080";
const LOMS = "http://127.0.0.1:8084";
// Every port the native stack listens on (scripts/stack.sh, scripts/infra.sh).
const STACK_PORTS = [8080, 8082, 8084, 8086, 8087, 8088, 55432, 55433, 55434, 55435, 6379, 9092, 9093];
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
    expect(names("loms")).toContain("CreateOrder");
    expect(names("loms")).toContain("loms.order-events publish");
    expect(names("notifier")).toContain("loms.order-events process");
    // One tree: every span but the root has its parent in the trace.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s.parentSpanId !== "" && !ids.has(s.parentSpanId))).toEqual([]);
    expect(root.parentSpanId).toBe("");
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
