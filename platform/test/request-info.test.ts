import { describe, expect, test } from "bun:test";
import { attachRequestInfo, newRequestInfo, requestInfoOf } from "../src/request-info.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newRequestInfo", () => {
  test.each(["abc-123", "req_1.2:3", "0b6a1c9e-5b6c-4c44-9f6e-2a4f9f7e2f11", "x".repeat(128)])(
    "keeps a sane incoming id %p",
    (id) => {
      expect(newRequestInfo(id, "10.0.0.1")).toEqual({ id, clientAddress: "10.0.0.1" });
    },
  );

  test.each([
    ["with spaces", "has spaces in it"],
    ["200 chars", "x".repeat(200)],
    ["129 chars", "x".repeat(129)],
    ["a header injection", "abc\r\nset-cookie: a=b"],
    ["a trailing newline", "abc\n"],
    ["non-ASCII", "запрос"],
    ["a slash", "a/b"],
    ["empty", ""],
  ])("replaces an id %s with a new UUID", (_, id) => {
    const info = newRequestInfo(id, "10.0.0.1");
    expect(info.id).not.toBe(id);
    expect(info.id).toMatch(UUID);
  });

  test("makes a fresh UUID per request when none was sent", () => {
    const a = newRequestInfo(undefined, undefined);
    const b = newRequestInfo(undefined, undefined);
    expect(a.id).toMatch(UUID);
    expect(b.id).toMatch(UUID);
    expect(a.id).not.toBe(b.id);
  });

  test("an unknown client address is empty", () => {
    expect(newRequestInfo("id", undefined).clientAddress).toBe("");
  });

  test("has no RPC code until an interceptor sets one", () => {
    expect(newRequestInfo("id", "::1").rpcCode).toBeUndefined();
  });
});

describe("attachRequestInfo / requestInfoOf", () => {
  test("finds the info filed under that very Request", () => {
    const request = new Request("http://localhost/x");
    const info = newRequestInfo("abc", "127.0.0.1");
    attachRequestInfo(request, info);
    expect(requestInfoOf(request)).toBe(info);
  });

  test("another Request, even an equal one or a clone, has none", () => {
    const request = new Request("http://localhost/x");
    attachRequestInfo(request, newRequestInfo("abc", "127.0.0.1"));
    expect(requestInfoOf(new Request("http://localhost/x"))).toBeUndefined();
    expect(requestInfoOf(request.clone())).toBeUndefined();
  });

  test("attaching again replaces the info", () => {
    const request = new Request("http://localhost/x");
    attachRequestInfo(request, newRequestInfo("first", ""));
    const second = newRequestInfo("second", "");
    attachRequestInfo(request, second);
    expect(requestInfoOf(request)).toBe(second);
  });
});
