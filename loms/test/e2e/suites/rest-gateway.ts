// Every row of SPEC.md's LOMS table through the course's REST gateway, against a running LOMS (or
// one called in process: `send` is then its handler). Stock numbers are read before and after, so
// the suite does not depend on test order or storage.
import { describe, expect, test } from "bun:test";

export function restGatewaySuite(
  lomsUrl: () => string,
  send: (request: Request) => Promise<Response> = fetch,
) {
  interface Reply {
    status: number;
    body: Record<string, unknown>;
  }
  async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<Reply> {
    const res = await send(
      new Request(`${lomsUrl()}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const stock = async (sku: number | string) =>
    (await call("GET", `/stock/info?sku=${sku}`)).body.count as number;
  const create = (userId: unknown, items: unknown) => call("POST", "/order/create", { userId, items });
  const info = (orderId: unknown) => call("GET", `/order/info?orderId=${orderId}`);

  /** grpc-gateway's error shape, with the status SPEC.md asks for. */
  function expectError(reply: Reply, httpStatus: number, grpcCode: number, mentions: string) {
    expect(reply.status).toBe(httpStatus);
    expect(reply.body.code).toBe(grpcCode);
    expect(reply.body.details).toEqual([]);
    expect(String(reply.body.message)).toContain(mentions);
  }

  describe("OrderCreate — POST /order/create", () => {
    test("reserves every item and answers the order id as a string", async () => {
      const [a, b] = [await stock(1076963), await stock(1148162)];
      const reply = await create(7, [
        { sku: 1148162, count: 1 },
        { sku: "1076963", count: 2 },
      ]);
      expect(reply.status).toBe(200);
      expect(reply.body.orderId).toMatch(/^\d+$/);
      expect([await stock(1076963), await stock(1148162)]).toEqual([a - 2, b - 1]);
      const order = await info(reply.body.orderId);
      expect(order.body).toEqual({
        status: "awaiting payment",
        userId: "7",
        items: [
          { sku: "1076963", count: 2 },
          { sku: "1148162", count: 1 },
        ],
      });
    });

    test("user ids span int64: 9223372036854775807 is kept exactly", async () => {
      const reply = await create("9223372036854775807", [{ sku: 1625903, count: 1 }]);
      expect(reply.status).toBe(200);
      expect((await info(reply.body.orderId)).body.userId).toBe("9223372036854775807");
    });

    test("one short item → failed_precondition, order stored as failed, no stock changes", async () => {
      const before = [await stock(2618151), await stock(139819069)];
      const reply = await create(8, [
        { sku: 2618151, count: 1 },
        { sku: 139819069, count: 1 },
      ]);
      expectError(reply, 400, 9, "139819069");
      expect([await stock(2618151), await stock(139819069)]).toEqual(before);
      const orderId = /order (\d+)/.exec(String(reply.body.message))?.[1];
      expect((await info(orderId)).body.status).toBe("failed");
    });

    test("unknown sku → failed_precondition", async () => {
      expectError(await create(8, [{ sku: 404, count: 1 }]), 400, 9, "404");
    });

    test("invalid input → invalid_argument naming the field, nothing created", async () => {
      expectError(await create(0, [{ sku: 1076963, count: 1 }]), 400, 3, "user_id");
      expectError(await create(1, []), 400, 3, "items");
      expectError(await create(1, [{ sku: 0, count: 1 }]), 400, 3, "sku");
      expectError(await create(1, [{ sku: 1076963, count: 0 }]), 400, 3, "count");
      expectError(await call("POST", "/order/create", "{not json"), 400, 3, "body");
    });

    test("lines of one sku adding up past the uint32 count → 400 naming items; nothing stored, no stock change", async () => {
      // (That nothing is stored, no order and no event, is checked on the repositories by the unit tests.)
      const before = await stock(1625903);
      const reply = await create(1, [
        { sku: 1625903, count: 4294967295 },
        { sku: 1625903, count: 2 },
      ]);
      expectError(reply, 400, 3, "items");
      expect(await stock(1625903)).toBe(before);
    });

    test("strict input: a key given twice or an unknown field → 400 naming it, nothing created", async () => {
      const probe = await create(1, [{ sku: 1076963, count: 1 }]);
      const before = await stock(1076963);
      const body = (user: string) => `{"userId":${user},"items":[{"sku":1076963,"count":1}]}`;
      expectError(await call("POST", "/order/create", body('-5,"userId":7')), 400, 3, "userId");
      expectError(
        await call("POST", "/order/create", '{"userId":7,"items":[{"sku":1076963,"count":1,"count":2}]}'),
        400,
        3,
        "count",
      );
      expectError(await call("POST", "/order/create", body('7,"bogus":1')), 400, 3, "bogus");
      expectError(
        await call("POST", "/order/pay", `{"orderId":${probe.body.orderId},"orderId":1}`),
        400,
        3,
        "orderId",
      );
      expect((await info(probe.body.orderId)).body.status).toBe("awaiting payment");
      expect(await stock(1076963)).toBe(before);
    });
  });

  describe("OrderInfo — GET /order/info", () => {
    test("unknown order → 404 not_found, also near the top of int64", async () => {
      expectError(await info("9223372036854775001"), 404, 5, "9223372036854775001");
    });

    test("invalid id → 400 invalid_argument naming order_id", async () => {
      expectError(await info(0), 400, 3, "order_id");
      expectError(await info("abc"), 400, 3, "order_id");
      expectError(await call("GET", "/order/info"), 400, 3, "order_id");
    });

    test("the path form /order/info/{order_id} answers exactly as the query form", async () => {
      const created = await create(3, [{ sku: 1076963, count: 1 }]);
      const byQuery = await info(created.body.orderId);
      expect(await call("GET", `/order/info/${created.body.orderId}`)).toEqual(byQuery);
      expectError(await call("GET", "/order/info/9223372036854775001"), 404, 5, "9223372036854775001");
      expectError(await call("GET", "/order/info/abc"), 400, 3, "order_id");
      expectError(await call("GET", "/order/info/0"), 400, 3, "order_id");
      expectError(await call("GET", `/order/info/1?orderId=1`), 400, 3, "order_id");
      expectError(await call("GET", `/order/info/${created.body.orderId}?order_id=5`), 400, 3, "order_id");
      expectError(await call("GET", "/order/info/%E0%A4%A"), 400, 3, "order_id");
    });

    test("a repeated or unknown query parameter → 400 naming it", async () => {
      const created = await create(3, [{ sku: 1076963, count: 1 }]);
      expectError(
        await call("GET", `/order/info?orderId=1&orderId=${created.body.orderId}`),
        400,
        3,
        "orderId",
      );
      expectError(await call("GET", `/order/info?orderId=${created.body.orderId}&x=1`), 400, 3, '"x"');
      expectError(await call("GET", "/stock/info?sku=1076963&sku=1148162"), 400, 3, "sku");
    });
  });

  describe("OrderPay — POST /order/pay", () => {
    test("sells the reserved units; paying again is OK and changes nothing", async () => {
      const before = await stock(3618852);
      const { body } = await create(9, [{ sku: 3618852, count: 3 }]);
      expect(await stock(3618852)).toBe(before - 3);
      expect((await call("POST", "/order/pay", { orderId: body.orderId })).status).toBe(200);
      expect((await call("POST", "/order/pay", { orderId: Number(body.orderId) })).body).toEqual({});
      expect((await info(body.orderId)).body.status).toBe("paid");
      expect(await stock(3618852)).toBe(before - 3); // sold: total and reserved both fell by 3
    });

    test("a cancelled or failed order cannot be paid; unknown → 404", async () => {
      const { body } = await create(9, [{ sku: 4288068, count: 1 }]);
      await call("POST", "/order/cancel", { orderId: body.orderId });
      expectError(await call("POST", "/order/pay", { orderId: body.orderId }), 400, 9, "cancelled");
      const failed = await create(9, [{ sku: 139819069, count: 1 }]);
      const failedId = /order (\d+)/.exec(String(failed.body.message))?.[1];
      expectError(await call("POST", "/order/pay", { orderId: failedId }), 400, 9, "failed");
      expectError(await call("POST", "/order/pay", { orderId: "9223372036854775001" }), 404, 5, "not found");
      expectError(await call("POST", "/order/pay", { orderId: -1 }), 400, 3, "order_id");
    });
  });

  describe("OrderCancel — POST /order/cancel", () => {
    test("frees the reserved units; cancelling again is OK", async () => {
      const before = await stock(4465995);
      const { body } = await create(10, [{ sku: 4465995, count: 5 }]);
      expect(await stock(4465995)).toBe(before - 5);
      expect((await call("POST", "/order/cancel", { orderId: body.orderId })).body).toEqual({});
      expect(await stock(4465995)).toBe(before);
      expect((await call("POST", "/order/cancel", { orderId: body.orderId })).status).toBe(200);
      expect((await info(body.orderId)).body.status).toBe("cancelled");
    });

    test("paid or failed orders cannot be cancelled; unknown → 404", async () => {
      const { body } = await create(10, [{ sku: 30816475, count: 1 }]);
      await call("POST", "/order/pay", { orderId: body.orderId });
      expectError(await call("POST", "/order/cancel", { orderId: body.orderId }), 400, 9, "paid");
      const failed = await create(10, [{ sku: 139819069, count: 1 }]);
      const failedId = /order (\d+)/.exec(String(failed.body.message))?.[1];
      expectError(await call("POST", "/order/cancel", { orderId: failedId }), 400, 9, "failed");
      expectError(
        await call("POST", "/order/cancel", { orderId: "9223372036854775001" }),
        404,
        5,
        "not found",
      );
    });
  });

  describe("StocksInfo — GET /stock/info", () => {
    test("count is a JSON number; reserved above total reads as 0", async () => {
      const reply = await call("GET", "/stock/info?sku=139818428");
      expect(reply).toEqual({ status: 200, body: { count: 0 } });
      expect(typeof (await call("GET", "/stock/info?sku=139275865")).body.count).toBe("number");
    });

    test("unknown sku → 404; invalid sku → 400 naming sku", async () => {
      expectError(await call("GET", "/stock/info?sku=404"), 404, 5, "404");
      expectError(await call("GET", "/stock/info?sku=0"), 400, 3, "sku");
    });

    test("the path form /stock/info/{sku} answers exactly as the query form", async () => {
      expect(await call("GET", "/stock/info/1076963")).toEqual(await call("GET", "/stock/info?sku=1076963"));
      expectError(await call("GET", "/stock/info/404"), 404, 5, "404");
      expectError(await call("GET", "/stock/info/0"), 400, 3, "sku");
    });
  });
}
