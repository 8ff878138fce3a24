import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { httpStatusOf, isUnexpected, toConnectError } from "../src/errors/codes.ts";
import { DomainError, type ErrorKind } from "../src/errors/domain-error.ts";

// A Record over ErrorKind: adding a kind without a row here fails the type check.
const expectedCode: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

// grpc-gateway's runtime.HTTPStatusFromCode.
const gatewayStatus: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

const allCodes = Object.values(Code).filter((v): v is Code => typeof v === "number");

describe("DomainError", () => {
  test("carries its kind and message and is named after its class", () => {
    class OutOfStock extends DomainError {
      constructor() {
        super("failed_precondition", "not enough stock");
      }
    }
    const err = new OutOfStock();
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toBeInstanceOf(Error);
    expect(err.kind).toBe("failed_precondition");
    expect(err.message).toBe("not enough stock");
    expect(err.name).toBe("OutOfStock");
    expect(new DomainError("not_found", "m").name).toBe("DomainError");
  });
});

describe("toConnectError", () => {
  test.each(Object.entries(expectedCode))("kind %s maps to its Connect code", (kind, code) => {
    const err = toConnectError(new DomainError(kind as ErrorKind, `about ${kind}`));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe(code);
  });

  test("keeps the message of a domain error and its cause", () => {
    const domain = new DomainError("not_found", "product 7 not found");
    const err = toConnectError(domain);
    expect(err.rawMessage).toBe("product 7 not found");
    expect(err.message).toBe("[not_found] product 7 not found");
    expect(err.cause).toBe(domain);
  });

  test("passes a ConnectError through unchanged", () => {
    const original = new ConnectError("slow down", Code.ResourceExhausted);
    expect(toConnectError(original)).toBe(original);
  });

  test("hides the message of a plain Error behind 'internal error'", () => {
    const bug = new TypeError("cannot read properties of undefined (reading 'secret')");
    const err = toConnectError(bug);
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error");
    expect(err.message).not.toContain("secret");
    expect(err.cause).toBe(bug);
  });

  test("treats thrown non-errors as internal too", () => {
    for (const thrown of ["a string", 42, undefined, null, { message: "object" }]) {
      const err = toConnectError(thrown);
      expect(err.code).toBe(Code.Internal);
      expect(err.rawMessage).toBe("internal error");
    }
  });
});

describe("httpStatusOf", () => {
  test("has a status for every Connect code", () => {
    expect(allCodes).toHaveLength(16);
    for (const code of allCodes) expect(httpStatusOf(code)).toBe(gatewayStatus[code]);
  });

  test.each([
    [Code.InvalidArgument, 400],
    [Code.FailedPrecondition, 400],
    [Code.NotFound, 404],
    [Code.Unauthenticated, 401],
    [Code.PermissionDenied, 403],
    [Code.ResourceExhausted, 429],
    [Code.Unavailable, 503],
    [Code.Internal, 500],
    [Code.AlreadyExists, 409],
    [Code.Unimplemented, 501],
    [Code.DeadlineExceeded, 504],
    [Code.Canceled, 499],
  ])("code %d is HTTP %d as in grpc-gateway", (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });
});

describe("isUnexpected", () => {
  test("domain and Connect errors are expected outcomes", () => {
    expect(isUnexpected(new DomainError("not_found", "x"))).toBe(false);
    expect(isUnexpected(new ConnectError("x", Code.InvalidArgument))).toBe(false);
  });

  test("anything else is a bug", () => {
    expect(isUnexpected(new Error("boom"))).toBe(true);
    expect(isUnexpected(new RangeError("boom"))).toBe(true);
    expect(isUnexpected("boom")).toBe(true);
    expect(isUnexpected(undefined)).toBe(true);
  });
});
