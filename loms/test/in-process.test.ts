// LOMS wired by startLoms in this process (the e2e suites run it as a child process, out of
// coverage's sight): the composition root, Connect handlers and the REST gateway together.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createLogger } from "@route256/platform/logger";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { type RunningLoms, startLoms } from "../src/app.ts";
import { loadLomsConfig } from "../src/config.ts";

let loms: RunningLoms;
beforeAll(async () => {
  const config = loadLomsConfig({ LOMS_PORT: "0", LOMS_EXPIRY_INTERVAL_MS: "60000" });
  loms = await startLoms(config, { logger: createLogger("loms", "silent") });
});
afterAll(() => loms.close());

const rest = (method: string, path: string, body?: unknown) =>
  fetch(`${loms.server.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });

describe("startLoms", () => {
  test("REST gateway and Connect share one store", async () => {
    const created = (await (
      await rest("POST", "/order/create", { userId: "5", items: [{ sku: 1625903, count: 3 }] })
    ).json()) as {
      orderId: string;
    };
    const orders = createClient(
      OrderService,
      createConnectTransport({ baseUrl: loms.server.url, httpVersion: "1.1" }),
    );
    const info = await orders.orderInfo({ orderId: BigInt(created.orderId) });
    expect(info.status).toBe("awaiting payment");
    await orders.orderCancel({ orderId: BigInt(created.orderId) });
    expect(await (await rest("GET", `/order/info?orderId=${created.orderId}`)).json()).toMatchObject({
      status: "cancelled",
    });
    expect(await (await rest("POST", "/order/pay", { orderId: created.orderId })).json()).toMatchObject({
      code: 9,
    });
  });

  test("gateway errors: bad JSON, unknown fields, wrong types name what is wrong", async () => {
    const bad = await rest("POST", "/order/pay", "{");
    expect(bad.status).toBe(400);
    const unknownField = (await (await rest("POST", "/order/pay", { orderId: 1, bogus: 2 })).json()) as {
      message: string;
    };
    expect(unknownField.message).toContain("bogus");
    const array = (await (await rest("POST", "/order/pay", [1])).json()) as { message: string };
    expect(array.message).toContain("JSON object");
  });

  test("the gateway routes are documented in /openapi.json next to the Connect paths", async () => {
    const spec = (await (await rest("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(spec.paths["/order/info"]?.get).toMatchObject({ tags: ["REST gateway"] });
    expect(spec.paths["/order/create"]?.post).toMatchObject({ requestBody: { required: true } });
    expect(spec.paths["/loms.v1.OrderService/OrderCreate"]).toBeDefined();
  });
});

describe("the OpenAPI document", () => {
  test("every operation documents its responses (Swagger UI shows a live result only then)", async () => {
    const spec = (await (await rest("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses?: unknown }>>;
    };
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops))
        expect({ path, method, responses: op.responses !== undefined }).toEqual({
          path,
          method,
          responses: true,
        });
    }
  });

  test("what validation requires is documented as required, with its bounds, on both path forms", async () => {
    interface Parameter {
      name: string;
      in: string;
      required: boolean;
      schema: Record<string, unknown>;
    }
    const spec = (await (await rest("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(spec.components.schemas["loms.v1.OrderCreateRequest"]?.required).toEqual(["userId", "items"]);
    expect(spec.components.schemas["loms.v1.Item"]?.required).toEqual(["sku", "count"]);
    expect(spec.paths["/order/info"]?.get?.parameters).toEqual([
      {
        name: "orderId",
        in: "query",
        required: true,
        schema: expect.objectContaining({ exclusiveMinimum: 0 }),
      },
    ]);
    expect(spec.paths["/order/info/{order_id}"]?.get?.parameters).toEqual([
      {
        name: "order_id",
        in: "path",
        required: true,
        schema: expect.objectContaining({ exclusiveMinimum: 0 }),
      },
    ]);
    expect(spec.paths["/stock/info/{sku}"]?.get?.parameters).toEqual([
      { name: "sku", in: "path", required: true, schema: { type: "string", exclusiveMinimum: 0 } },
    ]);
  });
});
