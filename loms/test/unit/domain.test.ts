import { describe, expect, test } from "bun:test";
import { DomainError } from "@route256/platform/errors/domain-error";
import {
  InsufficientStockError,
  OrderNotFoundError,
  OrderStatusError,
  ReservationAbandonedError,
  StockNotFoundError,
  UnknownSkuError,
} from "../../src/domain/errors.ts";
import { normalizeItems, OrderStatus, statusesBefore } from "../../src/domain/order.ts";
import { availableOf } from "../../src/domain/stock.ts";

describe("normalizeItems", () => {
  test("adds up the counts of a repeated sku into one line", () => {
    expect(
      normalizeItems([
        { sku: 7n, count: 1 },
        { sku: 7n, count: 2 },
        { sku: 7n, count: 4 },
      ]),
    ).toEqual([{ sku: 7n, count: 7 }]);
  });

  test("sorts lines by sku, numerically (as bigints, not as strings)", () => {
    expect(
      normalizeItems([
        { sku: 1076963n, count: 1 },
        { sku: 139275865n, count: 2 },
        { sku: 2956315n, count: 3 },
        { sku: 1076963n, count: 4 },
        { sku: 9223372036854775807n, count: 5 },
        { sku: 9223372036854775806n, count: 6 },
      ]),
    ).toEqual([
      { sku: 1076963n, count: 5 },
      { sku: 2956315n, count: 3 },
      { sku: 139275865n, count: 2 },
      { sku: 9223372036854775806n, count: 6 },
      { sku: 9223372036854775807n, count: 5 },
    ]);
  });

  test("an empty list stays empty and the input is not modified", () => {
    expect(normalizeItems([])).toEqual([]);
    const input = [
      { sku: 2n, count: 1 },
      { sku: 1n, count: 1 },
      { sku: 2n, count: 1 },
    ];
    const copy = structuredClone(input);
    normalizeItems(input);
    expect(input).toEqual(copy);
  });
});

describe("statusesBefore", () => {
  test.each([
    [OrderStatus.New, []],
    [OrderStatus.AwaitingPayment, [OrderStatus.New]],
    [OrderStatus.Failed, [OrderStatus.New]],
    [OrderStatus.Paid, [OrderStatus.AwaitingPayment]],
    [OrderStatus.Cancelled, [OrderStatus.AwaitingPayment]],
  ] as const)("an order reaches %p only from %p", (to, from) => {
    expect(statusesBefore(to)).toEqual([...from]);
  });

  test("failed, paid and cancelled are final: nothing is reached from them", () => {
    for (const to of Object.values(OrderStatus)) {
      const from = statusesBefore(to);
      expect(from).not.toContain(OrderStatus.Failed);
      expect(from).not.toContain(OrderStatus.Paid);
      expect(from).not.toContain(OrderStatus.Cancelled);
    }
  });

  test("statuses are the wire strings of SPEC.md", () => {
    const wire: string[] = Object.values(OrderStatus);
    expect(wire.sort()).toEqual(["awaiting payment", "cancelled", "failed", "new", "paid"]);
  });
});

describe("availableOf", () => {
  test("is total minus reserved", () => {
    expect(availableOf({ sku: 1076963n, totalCount: 300, reserved: 35 })).toBe(265);
    expect(availableOf({ sku: 1625903n, totalCount: 10000, reserved: 0 })).toBe(10000);
  });

  test("is zero when everything is reserved", () => {
    expect(availableOf({ sku: 139819069n, totalCount: 100, reserved: 100 })).toBe(0);
  });

  test("never goes below zero (fixture sku 139818428 has 100 on hand and 101 reserved)", () => {
    expect(availableOf({ sku: 139818428n, totalCount: 100, reserved: 101 })).toBe(0);
    expect(availableOf({ sku: 1n, totalCount: 0, reserved: 1000 })).toBe(0);
  });
});

describe("domain errors", () => {
  test.each([
    [
      "OrderNotFoundError",
      new OrderNotFoundError(9223372036854775001n),
      "not_found",
      "order 9223372036854775001 not found",
    ],
    [
      "OrderStatusError",
      new OrderStatusError(5n, OrderStatus.Paid, "cancel"),
      "failed_precondition",
      "order 5 is paid: cannot cancel it",
    ],
    [
      "InsufficientStockError",
      new InsufficientStockError(3n, 1076963n, 300, 265),
      "failed_precondition",
      "order 3 failed: not enough stock for sku 1076963 (requested 300, available 265)",
    ],
    [
      "UnknownSkuError",
      new UnknownSkuError(4n, 404n),
      "failed_precondition",
      "order 4 failed: unknown sku 404",
    ],
    ["StockNotFoundError", new StockNotFoundError(404n), "not_found", "no stock for sku 404"],
    [
      "ReservationAbandonedError",
      new ReservationAbandonedError(6n),
      "failed_precondition",
      "order 6 failed: its reservation was abandoned",
    ],
  ] as const)("%s is a DomainError of kind %s", (_name, err, kind, message) => {
    expect(err).toBeInstanceOf(DomainError);
    expect(err.kind).toBe(kind);
    expect(err.message).toBe(message);
  });
});

describe("normalizeItems guards stock arithmetic", () => {
  test("non-positive skus and counts are invalid_argument naming the field", () => {
    expect(() => normalizeItems([{ sku: 0n, count: 1 }])).toThrow("invalid sku");
    expect(() => normalizeItems([{ sku: 1n, count: 0 }])).toThrow("invalid count");
    expect(() => normalizeItems([{ sku: 1n, count: -3 }])).toThrow("invalid count");
    expect(() => normalizeItems([{ sku: 1n, count: 1.5 }])).toThrow("invalid count");
  });
});
