import { describe, expect, test } from "bun:test";
import { DomainError } from "../src/errors/domain-error.ts";
import { parseInt64, parseUint32 } from "../src/http/params.ts";

function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error("expected a throw");
}

describe("parseInt64", () => {
  test.each([
    ["0", 0n],
    ["1", 1n],
    ["1076963", 1076963n],
    ["-5", -5n],
    ["007", 7n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
  ])("%p is %p", (text, value) => {
    expect(parseInt64(text, "sku")).toBe(value);
  });

  test("keeps full precision beyond 2^53", () => {
    const value = parseInt64("9007199254740993", "sku");
    expect(typeof value).toBe("bigint");
    expect(value.toString()).toBe("9007199254740993");
  });

  test.each(["9223372036854775808", "-9223372036854775809", "99999999999999999999"])(
    "%p is out of the int64 range",
    (text) => {
      const err = rejection(() => parseInt64(text, "order_id"));
      expect(err.kind).toBe("invalid_argument");
      expect(err.message).toBe("invalid order_id: out of the int64 range");
    },
  );

  test.each(["abc", "", "1.5", "1e3", " 1", "1 ", "+1", "0x10", "-", "123456789012345678901"])(
    "%p is not an integer",
    (text) => {
      const err = rejection(() => parseInt64(text, "sku"));
      expect(err.kind).toBe("invalid_argument");
      expect(err.message).toBe(`invalid sku: must be an integer, got "${text}"`);
    },
  );

  test("a missing value is invalid and names the field", () => {
    const err = rejection(() => parseInt64(undefined, "user_id"));
    expect(err.kind).toBe("invalid_argument");
    expect(err.message).toBe('invalid user_id: must be an integer, got ""');
  });
});

describe("parseUint32", () => {
  test.each([
    ["0", 0],
    ["10", 10],
    ["0010", 10],
    ["4294967295", 4294967295],
  ])("%p is %p", (text, value) => {
    expect(parseUint32(text, "count")).toBe(value);
  });

  test.each(["4294967296", "9999999999", "12345678901", "-1", "1.5", "abc", "", " 1", "+1"])(
    "%p is rejected naming the field",
    (text) => {
      const err = rejection(() => parseUint32(text, "count"));
      expect(err.kind).toBe("invalid_argument");
      expect(err.message).toBe(`invalid count: must be a whole number, got "${text}"`);
    },
  );

  test("a missing value is rejected", () => {
    const err = rejection(() => parseUint32(undefined, "count"));
    expect(err.message).toBe('invalid count: must be a whole number, got ""');
  });
});
