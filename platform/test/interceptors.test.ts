import { beforeEach, describe, expect, test } from "bun:test";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { rejectionOf } from "@route256/testkit/helpers";
import { serverInterceptors } from "../src/connect/interceptors.ts";
import { observeInterceptor } from "../src/connect/observe-interceptor.ts";
import { DomainError } from "../src/errors/domain-error.ts";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics, type RpcMetrics } from "../src/metrics.ts";
import { newRequestInfo, type RequestInfo, requestInfoKey } from "../src/request-info.ts";
import { LogCapture } from "./support/log-capture.ts";
import { SKU, type TestProducts, testProducts } from "./support/test-products.ts";

const SERVICE = "products.v1.ProductService";

/** Value of rpc_server_requests_total for one label set (0 when never counted). */
async function requestCount(metrics: RpcMetrics, method: string, code: string): Promise<number> {
  const { values } = await metrics.requests.get();
  const hit = values.find(
    (v) => v.labels.service === SERVICE && v.labels.method === method && v.labels.code === code,
  );
  return hit?.value ?? 0;
}

let log: LogCapture;
let metrics: RpcMetrics;
let products: TestProducts;
let extraCalls: string[];

function client(extra: Interceptor[] = [], requestInfo?: () => RequestInfo) {
  const interceptors = serverInterceptors(createLogger("test", "info", log), metrics, extra);
  // The in-memory router has no contextValues option; an outermost interceptor plays the part of
  // the node adapter (server/one-port.ts), which files the RequestInfo of each request.
  const withInfo: Interceptor = (next) => (req) => {
    if (requestInfo) req.contextValues.set(requestInfoKey, requestInfo());
    return next(req);
  };
  const transport = createRouterTransport(products.routes, {
    router: { interceptors: [withInfo, ...interceptors] },
  });
  return createClient(ProductService, transport);
}

beforeEach(() => {
  log = new LogCapture();
  metrics = createRpcMetrics("test");
  products = testProducts();
  extraCalls = [];
});

describe("serverInterceptors", () => {
  test("a valid request reaches the handler and is counted as ok", async () => {
    const res = await client().getProduct({ sku: 7n });
    expect(res.product?.sku).toBe(7n);
    expect(products.calls).toEqual([7n]);
    expect(await requestCount(metrics, "GetProduct", "ok")).toBe(1);
    expect(log.lines).toEqual([]);
  });

  test("an invalid request fails with invalid_argument naming the field, before the handler", async () => {
    const err = await rejectionOf(client().getProduct({ sku: 0n }), ConnectError);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("sku");
    expect(products.calls).toEqual([]);
    expect(await requestCount(metrics, "GetProduct", "invalid_argument")).toBe(1);
  });

  test("range rules of other messages are enforced too", async () => {
    const tooMany = await rejectionOf(client().listSkus({ count: 1001 }), ConnectError);
    expect(tooMany.code).toBe(Code.InvalidArgument);
    expect(tooMany.rawMessage).toContain("count");
    const none = await rejectionOf(client().listSkus({ count: 0 }), ConnectError);
    expect(none.code).toBe(Code.InvalidArgument);
    const ok = await client().listSkus({ count: 1000 });
    expect(ok.products).toHaveLength(1000);
  });

  test("a domain error keeps its kind and message and is not logged", async () => {
    const err = await rejectionOf(client().getProduct({ sku: SKU.missing }), ConnectError);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("x");
    expect(log.lines).toEqual([]);
    expect(await requestCount(metrics, "GetProduct", "not_found")).toBe(1);
  });

  test("a bug becomes internal error without its message, and is logged with its stack", async () => {
    const err = await rejectionOf(client().getProduct({ sku: SKU.broken }), ConnectError);
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error");
    expect(err.message).not.toContain("secret");
    expect(await requestCount(metrics, "GetProduct", "internal")).toBe(1);

    const errors = log.at("error");
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line.msg).toBe("unexpected error in RPC handler");
    expect(line.service).toBe("test");
    expect(String(line.rpc)).toEndWith("/products.v1.ProductService/GetProduct");
    const logged = line.err as { message: string; stack: string };
    expect(logged.message).toBe("secret");
    expect(logged.stack).toContain("Error: secret");
  });

  test("the error log line carries the request id from the context", async () => {
    const info = newRequestInfo("req-123", "127.0.0.1");
    await rejectionOf(client([], () => info).getProduct({ sku: SKU.broken }), ConnectError);
    expect(log.at("error")[0]?.requestId).toBe("req-123");
  });

  test("the final code is recorded on the request info", async () => {
    const infos: RequestInfo[] = [];
    const call = client([], () => {
      const info = newRequestInfo(undefined, "127.0.0.1");
      infos.push(info);
      return info;
    });
    await call.getProduct({ sku: 1n });
    await rejectionOf(call.getProduct({ sku: SKU.missing }), ConnectError);
    await rejectionOf(call.getProduct({ sku: 0n }), ConnectError);
    await rejectionOf(call.getProduct({ sku: SKU.broken }), ConnectError);
    expect(infos.map((i) => i.rpcCode)).toEqual(["ok", "not_found", "invalid_argument", "internal"]);
  });

  test("metrics count by service, method and code, and time every call", async () => {
    const call = client();
    await call.getProduct({ sku: 1n });
    await call.getProduct({ sku: 2n });
    await rejectionOf(call.getProduct({ sku: SKU.missing }), ConnectError);
    await call.listSkus({ count: 2 });

    expect(await requestCount(metrics, "GetProduct", "ok")).toBe(2);
    expect(await requestCount(metrics, "GetProduct", "not_found")).toBe(1);
    expect(await requestCount(metrics, "ListSkus", "ok")).toBe(1);

    const text = await metrics.registry.getSingleMetricAsString("rpc_server_requests_total");
    expect(text).toContain(
      'rpc_server_requests_total{service="products.v1.ProductService",method="GetProduct",code="ok",app="test"} 2',
    );
    const duration = await metrics.duration.get();
    const count = duration.values.find(
      (v) =>
        v.metricName === "rpc_server_duration_seconds_count" &&
        v.labels.method === "GetProduct" &&
        v.labels.code === "ok",
    );
    expect(count?.value).toBe(2);
  });

  test("extra interceptors run after validation and their domain errors are mapped", async () => {
    const auth: Interceptor = (next) => (req) => {
      extraCalls.push(req.method.name);
      if (req.header.get("x-api-key") !== "good") throw new DomainError("unauthenticated", "bad token");
      return next(req);
    };
    const call = client([auth]);

    await rejectionOf(call.getProduct({ sku: 0n }), ConnectError);
    expect(extraCalls).toEqual([]);

    const err = await rejectionOf(call.getProduct({ sku: 1n }), ConnectError);
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("bad token");
    expect(products.calls).toEqual([]);

    const res = await call.getProduct({ sku: 1n }, { headers: { "x-api-key": "good" } });
    expect(res.product?.sku).toBe(1n);
    expect(extraCalls).toEqual(["GetProduct", "GetProduct"]);
    expect(await requestCount(metrics, "GetProduct", "unauthenticated")).toBe(1);
  });

  test("a ConnectError thrown by a handler (e.g. from a downstream call) passes through", async () => {
    const downstream: Interceptor = () => () => {
      throw new ConnectError("products is down", Code.Unavailable);
    };
    const err = await rejectionOf(client([downstream]).getProduct({ sku: 1n }), ConnectError);
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("products is down");
    expect(log.lines).toEqual([]);
    expect(await requestCount(metrics, "GetProduct", "unavailable")).toBe(1);
  });
});

describe("observeInterceptor", () => {
  test("labels an unmapped thrown Error as unknown (it expects errors to be mapped inside it)", async () => {
    const m = createRpcMetrics("bare");
    const transport = createRouterTransport(products.routes, {
      router: { interceptors: [observeInterceptor(m)] },
    });
    await rejectionOf(createClient(ProductService, transport).getProduct({ sku: SKU.broken }), ConnectError);
    const { values } = await m.requests.get();
    expect(values.map((v) => v.labels.code)).toEqual(["unknown"]);
  });
});
