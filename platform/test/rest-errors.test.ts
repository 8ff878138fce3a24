import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError } from "../src/errors/domain-error.ts";
import { frameworkFailure, gatewayErrorBody, restFailure } from "../src/http/rest-errors.ts";

describe("restFailure", () => {
  test("a domain error keeps its message and gets the gateway status", () => {
    expect(restFailure(new DomainError("not_found", "no product 7"))).toEqual({
      status: 404,
      code: Code.NotFound,
      message: "no product 7",
    });
    expect(restFailure(new DomainError("failed_precondition", "not enough stock"))).toEqual({
      status: 400,
      code: Code.FailedPrecondition,
      message: "not enough stock",
    });
  });

  test("a ConnectError from an in-process call keeps its raw message (no [code] prefix)", () => {
    expect(restFailure(new ConnectError("too many requests", Code.ResourceExhausted))).toEqual({
      status: 429,
      code: Code.ResourceExhausted,
      message: "too many requests",
    });
    expect(restFailure(new ConnectError("bad token", Code.Unauthenticated)).status).toBe(401);
  });

  test("a bug is a 500 that does not leak its message", () => {
    expect(restFailure(new Error("password=hunter2"))).toEqual({
      status: 500,
      code: Code.Internal,
      message: "internal error",
    });
  });
});

describe("gatewayErrorBody", () => {
  test("is {code, message, details: []} with the numeric code", () => {
    const body = gatewayErrorBody({ code: Code.NotFound, message: "x" });
    expect(body).toEqual({ code: 5, message: "x", details: [] });
    expect(JSON.stringify(body)).toBe('{"code":5,"message":"x","details":[]}');
  });

  test("ignores extra fields of a RestFailure", () => {
    expect(gatewayErrorBody({ status: 429, code: Code.ResourceExhausted, message: "m" } as never)).toEqual({
      code: 8,
      message: "m",
      details: [],
    });
  });
});

describe("frameworkFailure", () => {
  test("NOT_FOUND", () => {
    expect(frameworkFailure("NOT_FOUND", new Error("NOT_FOUND"))).toEqual({
      status: 404,
      code: Code.NotFound,
      message: "no such route",
    });
  });

  test("PARSE names the parser's complaint", () => {
    expect(frameworkFailure("PARSE", new Error("Unexpected token }"))).toEqual({
      status: 400,
      code: Code.InvalidArgument,
      message: "invalid body: Unexpected token }",
    });
    expect(frameworkFailure("PARSE", "not an error")?.message).toBe("invalid body: not an error");
  });

  test("VALIDATION names the first bad field", () => {
    const error = {
      all: [
        { path: "/sku", summary: "Expected string" },
        { path: "/count", summary: "Expected number" },
      ],
    };
    expect(frameworkFailure("VALIDATION", error)).toEqual({
      status: 400,
      code: Code.InvalidArgument,
      message: "invalid sku: Expected string",
    });
  });

  test("VALIDATION turns a nested path into a dotted field name", () => {
    const error = { all: [{ path: "/items/0/count", summary: "Expected integer" }] };
    expect(frameworkFailure("VALIDATION", error)?.message).toBe("invalid items.0.count: Expected integer");
  });

  test("VALIDATION falls back to the message, then to a generic reason", () => {
    expect(frameworkFailure("VALIDATION", { all: [{ path: "/sku", message: "too small" }] })?.message).toBe(
      "invalid sku: too small",
    );
    expect(frameworkFailure("VALIDATION", { all: [{ path: "/sku" }] })?.message).toBe(
      "invalid sku: does not match the schema",
    );
  });

  test("VALIDATION of the whole body or without details", () => {
    expect(frameworkFailure("VALIDATION", { all: [{ path: "", summary: "Expected object" }] })?.message).toBe(
      "invalid request: Expected object",
    );
    expect(frameworkFailure("VALIDATION", { all: [] })?.message).toBe("invalid request");
    expect(frameworkFailure("VALIDATION", new Error("plain"))?.message).toBe("invalid request");
  });

  test("other codes are left to restFailure", () => {
    expect(frameworkFailure("UNKNOWN", new Error("x"))).toBeUndefined();
    expect(frameworkFailure("INTERNAL_SERVER_ERROR", new Error("x"))).toBeUndefined();
    expect(frameworkFailure(500, new Error("x"))).toBeUndefined();
  });
});
