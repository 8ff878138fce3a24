import { describe, expect, test } from "bun:test";
import { checkToken, RequestCap } from "../src/service/access.ts";
import { InvalidTokenError, TooManyRequestsError } from "../src/service/errors.ts";

describe("checkToken", () => {
  const tokens = new Set(["testToken", "other"]);

  test("accepts configured tokens", () => {
    expect(() => checkToken(tokens, "testToken")).not.toThrow();
    expect(() => checkToken(tokens, "other")).not.toThrow();
  });

  test("rejects a wrong or missing token as unauthenticated", () => {
    expect(() => checkToken(tokens, "nope")).toThrow(InvalidTokenError);
    expect(() => checkToken(tokens, null)).toThrow(InvalidTokenError);
    expect(new InvalidTokenError().kind).toBe("unauthenticated");
  });
});

describe("RequestCap", () => {
  const clock = () => {
    let now = 0;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  test("admits `limit` requests in a second, rejects the next as resource_exhausted", () => {
    const c = clock();
    const cap = new RequestCap(3, c.now);
    for (let i = 0; i < 3; i++) cap.admit();
    expect(() => cap.admit()).toThrow(TooManyRequestsError);
    expect(new TooManyRequestsError(3).kind).toBe("resource_exhausted");
  });

  test("is a sliding window: never more than `limit` in ANY 1-second span", () => {
    const c = clock();
    const cap = new RequestCap(2, c.now);
    cap.admit(); // t=0
    c.advance(900);
    cap.admit(); // t=900
    c.advance(200); // t=1100: the first left the window, the second is still in it
    cap.admit();
    expect(() => cap.admit()).toThrow(TooManyRequestsError);
    c.advance(799); // t=1899: the one at 900 is 999 ms old
    expect(() => cap.admit()).toThrow(TooManyRequestsError);
    c.advance(1); // t=1900
    cap.admit();
  });

  test("rejected requests do not use up the window", () => {
    const c = clock();
    const cap = new RequestCap(1, c.now);
    cap.admit();
    for (let i = 0; i < 5; i++) {
      c.advance(100);
      expect(() => cap.admit()).toThrow(TooManyRequestsError);
    }
    c.advance(500); // t=1000
    cap.admit();
  });
});
