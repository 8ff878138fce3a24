import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type ErrorKind } from "@route256/platform/errors/domain-error";
import { restFailure } from "@route256/platform/http/rest-errors";
import {
  CartEmptyError,
  CheckoutRejectedError,
  NotEnoughStockError,
  UnknownProductError,
} from "../../src/domain/errors.ts";
import { cartRestError } from "../../src/transport/rest.ts";

describe("cartRestError", () => {
  test.each([
    ["failed_precondition", 412],
    ["not_found", 404],
    ["invalid_argument", 400],
    ["unavailable", 503],
  ] as [ErrorKind, number][])("%s → %d with {message}", (kind, status) => {
    const rendered = cartRestError(restFailure(new DomainError(kind, `it was ${kind}`)));
    expect(rendered).toEqual({ status, body: { message: `it was ${kind}` } });
  });

  test("cart's own errors: unknown product, short stock and rejected checkout are 412; empty cart 404", () => {
    const statusOf = (err: Error) => cartRestError(restFailure(err)).status;
    expect(statusOf(new UnknownProductError(404n))).toBe(412);
    expect(statusOf(new NotEnoughStockError(1n, 5, 2))).toBe(412);
    expect(statusOf(new CheckoutRejectedError(1n, "no stock"))).toBe(412);
    expect(statusOf(new CartEmptyError(1n))).toBe(404);
    expect(cartRestError(restFailure(new UnknownProductError(404n))).body).toEqual({
      message: "product 404 not found",
    });
  });

  test("a FailedPrecondition ConnectError (from the in-process Connect call) is 412 too", () => {
    const rendered = cartRestError(
      restFailure(new ConnectError("product 5 not found", Code.FailedPrecondition)),
    );
    expect(rendered).toEqual({ status: 412, body: { message: "product 5 not found" } });
  });

  test("other codes keep the gateway status: Canceled 499, an unexpected error 500 without its message", () => {
    expect(cartRestError(restFailure(new ConnectError("gone", Code.Canceled))).status).toBe(499);
    expect(cartRestError(restFailure(new Error("secret detail")))).toEqual({
      status: 500,
      body: { message: "internal error" },
    });
  });
});
