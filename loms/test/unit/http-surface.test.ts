// LOMS's whole HTTP surface in process (onePortInProcess: what the HTTP/1.1 server runs, without a
// socket), wired as app.ts wires it (lomsSurface) over memory repositories: every row of SPEC.md's
// LOMS table through the REST gateway, and Connect JSON with its error mapping.
import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { onePortInProcess } from "@route256/platform/server/one-port";
import { connectErrorOf } from "@route256/testkit/helpers";
import { lomsSurface } from "../../src/app.ts";
import { restGatewaySuite } from "../e2e/suites/rest-gateway.ts";
import { memoryLoms, stockRow } from "../support/loms.ts";

const loms = memoryLoms();
const handle = onePortInProcess({
  config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000 },
  logger: createLogger("test", "silent"),
  metrics: createRpcMetrics("loms"),
  ...lomsSurface(loms.deps),
});
const BASE = "http://loms.test";

restGatewaySuite(() => BASE, handle);

describe("Connect JSON on the wire", () => {
  const rpc = (method: string, body: unknown) =>
    handle(
      new Request(`${BASE}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );

  test("create then info: int64 ids as strings, the status as SPEC.md names it", async () => {
    const created = await rpc("loms.v1.OrderService/OrderCreate", {
      userId: "9223372036854775807",
      items: [{ sku: "1076963", count: 1 }],
    });
    expect(created.status).toBe(200);
    const { orderId } = (await created.json()) as { orderId: string };
    expect(orderId).toMatch(/^\d+$/);
    const info = await rpc("loms.v1.OrderService/OrderInfo", { orderId });
    expect(await info.json()).toEqual({
      status: "awaiting payment",
      userId: "9223372036854775807",
      items: [{ sku: "1076963", count: 1 }],
    });
  });

  test.each([
    ["user_id 0", { userId: "0", items: [{ sku: "1076963", count: 1 }] }, "user_id"],
    ["no items", { userId: "1", items: [] }, "items"],
    ["sku 0", { userId: "1", items: [{ sku: "0", count: 1 }] }, "sku"],
    ["count 0", { userId: "1", items: [{ sku: "1076963", count: 0 }] }, "count"],
  ])(
    "OrderCreate with %s: invalid_argument (400) naming the field; stock untouched",
    async (_, body, field) => {
      const before = stockRow(loms, 1076963n);
      const res = await rpc("loms.v1.OrderService/OrderCreate", body);
      const err = await connectErrorOf(res);
      expect(err).toMatchObject({ status: 400, code: "invalid_argument" });
      expect(err.message).toContain(field);
      expect(stockRow(loms, 1076963n)).toEqual(before);
    },
  );

  test("an unknown order is not_found (404); paying a cancelled one failed_precondition", async () => {
    const missing = await rpc("loms.v1.OrderService/OrderInfo", { orderId: "999999" });
    expect(await connectErrorOf(missing)).toMatchObject({ status: 404, code: "not_found" });
    const created = await rpc("loms.v1.OrderService/OrderCreate", {
      userId: "1",
      items: [{ sku: "1625903", count: 1 }],
    });
    const { orderId } = (await created.json()) as { orderId: string };
    expect((await rpc("loms.v1.OrderService/OrderCancel", { orderId })).status).toBe(200);
    const pay = await rpc("loms.v1.OrderService/OrderPay", { orderId });
    expect(await connectErrorOf(pay)).toMatchObject({
      status: 400,
      code: "failed_precondition",
      message: expect.stringContaining(orderId),
    });
  });

  test("an unknown method is unimplemented (404); a body that is not JSON invalid_argument", async () => {
    expect((await rpc("loms.v1.OrderService/Nope", {})).status).toBe(404);
    const res = await handle(
      new Request(`${BASE}/loms.v1.StockService/StocksInfo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      }),
    );
    expect(await connectErrorOf(res)).toMatchObject({ status: 400, code: "invalid_argument" });
  });
});
