// The strict reading every REST surface shares (README, "Errors and validation"): JSON bodies with
// keys given twice or unknown, repeated or unknown query parameters, and the REST schema of a proto
// integer field.
import { describe, expect, test } from "bun:test";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { DomainError } from "../src/errors/domain-error.ts";
import { strictJsonObject } from "../src/http/json.ts";
import { singleValuedQuery } from "../src/http/params.ts";
import { protoIntegerField } from "../src/http/rest-schema.ts";
import { duplicateKey } from "../src/json/duplicate-key.ts";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe("invalid_argument");
    return (err as Error).message;
  }
  throw new Error("expected a throw");
}

describe("duplicateKey", () => {
  test.each([
    ['{"count":1,"count":2}', "count"],
    ['{"a":{"b":1,"b":2}}', "b"],
    ['[{"x":1},{"y":1,"y":2}]', "y"],
    ['{"\\u0063ount":1,"count":2}', "count"], // an escaped spelling is the same key
    ['{"a":[1,{"a":1}],"b":1,"a":2}', "a"],
  ])("%s → %s", (json, key) => {
    expect(duplicateKey(json)).toBe(key);
  });

  test.each([
    '{"count":1}',
    '{"a":{"count":1},"count":2}', // the same key in different objects
    '[{"a":1},{"a":2}]',
    '{"s":"\\"count\\":1,\\"count\\"","count":1}', // keys inside a string value are text
    '{"a":["a","a"]}', // array items are values
    "[]",
    '"x"',
  ])("none in %s", (json) => {
    expect(duplicateKey(json)).toBeUndefined();
  });
});

describe("strictJsonObject", () => {
  test("an object with known keys comes back as parsed", () => {
    expect(strictJsonObject('{"count":3}', ["count"])).toEqual({ count: 3 });
    expect(strictJsonObject('{"anything":[1]}')).toEqual({ anything: [1] });
  });

  test("bad JSON, non-objects, repeated and unknown keys are invalid input naming what is wrong", () => {
    expect(messageOf(() => strictJsonObject("{not json", ["count"]))).toBe("invalid body: not JSON");
    expect(messageOf(() => strictJsonObject("", ["count"]))).toBe("invalid body: not JSON");
    for (const text of ["[1]", "null", "3", '"count"']) {
      expect(messageOf(() => strictJsonObject(text, ["count"]))).toBe("invalid body: expected a JSON object");
    }
    expect(messageOf(() => strictJsonObject('{"count":1000000,"count":1}', ["count"]))).toBe(
      "invalid count: given more than once",
    );
    expect(messageOf(() => strictJsonObject('{"count":1,"cnt":2}', ["count"]))).toContain("invalid cnt:");
  });
});

describe("singleValuedQuery", () => {
  const request = (query: string) => new Request(`http://localhost/path${query}`);

  test("each parameter once, decoded", () => {
    expect(singleValuedQuery(request("?sku=1&name=a%20b"))).toEqual({ sku: "1", name: "a b" });
    expect(singleValuedQuery(request(""), [])).toEqual({});
  });

  test("a parameter given twice, or one the route does not take, names it", () => {
    expect(messageOf(() => singleValuedQuery(request("?orderId=1&orderId=2")))).toBe(
      "invalid orderId: given more than once",
    );
    expect(messageOf(() => singleValuedQuery(request("?count=1&x=2"), ["count"]))).toContain("invalid x:");
  });
});

describe("protoIntegerField", () => {
  test("a uint32 field with gt 0: a whole number in (0, 4294967295], described from the .proto", () => {
    const schema = protoIntegerField(CartService.method.addItem.input.field.count, {
      "cart.v1.AddItemRequest.count": "Units to add.",
    }) as unknown as Record<string, unknown>;
    expect(schema).toMatchObject({
      type: "number",
      multipleOf: 1,
      minimum: 0,
      exclusiveMinimum: 0,
      maximum: 4294967295,
      description: "Units to add.",
    });
    expect(schema.format).toBeUndefined();
  });

  test("refuses fields that are not 32-bit integers", () => {
    expect(() => protoIntegerField(CartService.method.addItem.input.field.userId)).toThrow(
      "not a 32-bit integer",
    );
  });
});
