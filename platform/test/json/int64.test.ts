import { describe, expect, test } from "bun:test";
import { JsonKeyTwiceError, parseJsonInt64 } from "../../src/json/int64.ts";

describe("parseJsonInt64", () => {
  test.each([
    ["9223372036854775807", 9223372036854775807n],
    ["9007199254740993", 9007199254740993n], // 2^53 + 1: a double would read …992
    ["-5", -5n],
    ["0", 0n],
  ])("the named key's integer literal %s is an exact bigint", (literal, expected) => {
    expect(parseJsonInt64(`{"order_id": ${literal}}`, ["order_id"])).toEqual({ order_id: expected });
  });

  test.each(["1.5", "1e3", "1.0", '"7"', "null", "true"])(
    "a value %s that is not an integer literal is left as JSON.parse gives it",
    (literal) => {
      expect(parseJsonInt64(`{"order_id":${literal}}`, ["order_id"])).toEqual({
        order_id: JSON.parse(literal),
      });
    },
  );

  test("other keys keep JSON.parse's numbers, nested objects and arrays included", () => {
    expect(parseJsonInt64('{"count":3,"items":[{"sku":12,"id":99}]}', ["id"])).toEqual({
      count: 3,
      items: [{ sku: 12, id: 99n }],
    });
  });

  test("a key given twice in one object is refused, naming it", () => {
    expect(() => parseJsonInt64('{"order_id":1,"order_id":2}', ["order_id"])).toThrow(
      new JsonKeyTwiceError("order_id"),
    );
    expect(() => parseJsonInt64('{"a":{"b":1,"\\u0062":2}}', [])).toThrow("b: given more than once");
    expect(parseJsonInt64('[{"a":1},{"a":2}]', ["a"])).toEqual([{ a: 1n }, { a: 2n }]);
  });

  test("an escaped key is the same key", () => {
    expect(parseJsonInt64('{"order\\u005fid":9007199254740993}', ["order_id"])).toEqual({
      order_id: 9007199254740993n,
    });
  });

  test("text that is not JSON throws SyntaxError", () => {
    expect(() => parseJsonInt64("{order_id:1}", ["order_id"])).toThrow(SyntaxError);
  });
});
