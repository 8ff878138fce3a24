// onePortInProcess: a service's whole surface without a socket — what the HTTP/1.1 server runs for
// each request (RPC routes, REST/docs/ops app, body limit, access log), called with a Request.
import { describe, expect, test } from "bun:test";
import type { Transport } from "@connectrpc/connect";
import { protoDocs } from "@route256/proto/docs.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics } from "../src/metrics.ts";
import { onePortInProcess } from "../src/server/one-port.ts";
import { LogCapture } from "./support/log-capture.ts";
import { testRest } from "./support/rest.ts";
import { SKU, testProducts } from "./support/test-products.ts";

const config = { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 };
const docs = { title: "in-process", description: "a test service", version: "0.0.1", protoDocs };
const BASE = "http://svc.test";

describe("a service with ops only (the notifier's port)", () => {
  let ready = true;
  const handle = onePortInProcess({
    config,
    logger: createLogger("test", "silent"),
    metrics: createRpcMetrics("ops-only"),
    services: [],
    routes: () => {},
    ready: () => ready,
    docs,
  });

  test("/healthz always; /readyz follows readiness; /metrics is Prometheus text", async () => {
    expect((await handle(new Request(`${BASE}/healthz`))).status).toBe(200);
    expect((await handle(new Request(`${BASE}/readyz`))).status).toBe(200);
    ready = false;
    const notReady = await handle(new Request(`${BASE}/readyz`));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not ready" });
    ready = true;
    const metrics = await handle(new Request(`${BASE}/metrics`));
    expect(metrics.headers.get("content-type")).toStartWith("text/plain");
    expect(await metrics.text()).toContain('app="ops-only"');
  });

  test("gRPC health answers in process too, following readiness", async () => {
    ready = false;
    const res = await handle(
      new Request(`${BASE}/grpc.health.v1.Health/Check`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    ready = true;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "NOT_SERVING" });
  });
});

describe("a service with RPCs and REST", () => {
  const log = new LogCapture();
  const products = testProducts();
  const handle = onePortInProcess({
    config: { ...config, http: { maxBodyBytes: 1024 } },
    logger: createLogger("test", "info", log),
    metrics: createRpcMetrics("rpc-and-rest"),
    services: [ProductService],
    routes: products.routes,
    rest: (local: Transport) => testRest(local),
    docs,
  });
  const post = (path: string, body: string) =>
    handle(
      new Request(`${BASE}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }),
    );

  test("an RPC and its access log line, with the request id the caller sent", async () => {
    const res = await handle(
      new Request(`${BASE}/products.v1.ProductService/GetProduct`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "in-process-1" },
        body: JSON.stringify({ sku: "1076963" }),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("in-process-1");
    const line = await log.waitFor((l) => l.requestId === "in-process-1");
    expect(line).toMatchObject({ msg: "request", http: "1.1", status: 200 });
  });

  test("a bug is a bare 500 whose message does not leak; REST errors keep their status", async () => {
    const rpc = await handle(
      new Request(`${BASE}/products.v1.ProductService/GetProduct`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sku: String(SKU.broken) }),
      }),
    );
    expect(rpc.status).toBe(500);
    expect(await rpc.text()).not.toContain("secret");
    expect((await handle(new Request(`${BASE}/product/${SKU.missing}`))).status).toBe(404);
    expect((await handle(new Request(`${BASE}/product/abc`))).status).toBe(400);
  });

  test("the body limit holds in process, in each protocol's terms", async () => {
    const big = JSON.stringify({ sku: "1076963", pad: "x".repeat(2048) });
    const rpc = await post("/products.v1.ProductService/GetProduct", big);
    expect(rpc.status).toBe(413);
    expect(((await rpc.json()) as { code: string }).code).toBe("resource_exhausted");
    expect((await post("/anything", big)).status).toBe(413);
  });
});
