import { describe, expect, test } from "bun:test";
import { parsePaymentResult } from "../../src/adapters/events/payments-consumer.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { applyPayment } from "../../src/service/apply-payment.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { awaitingOrder, memoryLoms, stockRow } from "../support/loms.ts";

const KEY = "2f1d1d38-5c3f-4b8e-9a77-0b9c5f6a7e10";
const OTHER = "9a0b7c1e-1111-4d2e-8f3a-222233334444";

describe("applyPayment", () => {
  test("COMPLETED pays; the same key again changes nothing", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 2 }]);
    expect(await applyPayment(loms.deps, { idempotentKey: KEY, orderId: id, status: "COMPLETED" })).toBe(
      "applied",
    );
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Paid);
    const sold = stockRow(loms, 1076963n);
    expect(await applyPayment(loms.deps, { idempotentKey: KEY, orderId: id, status: "COMPLETED" })).toBe(
      "duplicate",
    );
    expect(stockRow(loms, 1076963n)).toEqual(sold);
  });

  test("FAILED cancels and returns the stock; a repeat is a duplicate", async () => {
    const loms = memoryLoms();
    const before = stockRow(loms, 1148162n);
    const id = await awaitingOrder(loms, [{ sku: 1148162n, count: 3 }]);
    expect(await applyPayment(loms.deps, { idempotentKey: KEY, orderId: id, status: "FAILED" })).toBe(
      "applied",
    );
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
    expect(stockRow(loms, 1148162n)).toEqual(before);
    expect(await applyPayment(loms.deps, { idempotentKey: KEY, orderId: id, status: "FAILED" })).toBe(
      "duplicate",
    );
  });

  test("a result the order's status does not allow, or an unknown order, is refused", async () => {
    const loms = memoryLoms();
    const id = await awaitingOrder(loms, [{ sku: 1076963n, count: 1 }]);
    await applyPayment(loms.deps, { idempotentKey: KEY, orderId: id, status: "FAILED" });
    expect(await applyPayment(loms.deps, { idempotentKey: OTHER, orderId: id, status: "COMPLETED" })).toBe(
      "refused",
    );
    expect(await applyPayment(loms.deps, { idempotentKey: OTHER, orderId: 999n, status: "COMPLETED" })).toBe(
      "refused",
    );
    expect((await orderInfo(loms.deps, id)).status).toBe(OrderStatus.Cancelled);
  });
});

describe("parsePaymentResult", () => {
  test("a well-formed message; int64 order ids are exact", () => {
    expect(
      parsePaymentResult(`{"idempotent_key":"${KEY}","order_id":9223372036854775807,"status":"COMPLETED"}`),
    ).toEqual({ idempotentKey: KEY, orderId: 9223372036854775807n, status: "COMPLETED" });
  });

  test("malformed messages are described, never thrown", () => {
    expect(parsePaymentResult("nope")).toBe("not JSON");
    expect(parsePaymentResult(`{"idempotent_key":"k","order_id":1,"status":"COMPLETED"}`)).toContain(
      "idempotent_key",
    );
    expect(parsePaymentResult(`{"idempotent_key":"${KEY}","order_id":"1","status":"COMPLETED"}`)).toContain(
      "order_id",
    );
    expect(parsePaymentResult(`{"idempotent_key":"${KEY}","order_id":0,"status":"COMPLETED"}`)).toContain(
      "order_id",
    );
    expect(parsePaymentResult(`{"idempotent_key":"${KEY}","order_id":1,"status":"PENDING"}`)).toContain(
      "status",
    );
    expect(parsePaymentResult("null")).toContain("idempotent_key");
    expect(
      parsePaymentResult(`{"idempotent_key":"${KEY}","order_id":1,"order_id":2,"status":"COMPLETED"}`),
    ).toBe("order_id: given more than once");
  });
});
