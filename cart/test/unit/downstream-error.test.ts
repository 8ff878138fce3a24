import { describe, expect, test } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { downstreamFailure } from "../../src/adapters/downstream-error.ts";
import { expectDownstreamFailure } from "../support/async.ts";

const named = (...codes: Code[]) => codes.map((code) => [Code[code], code] as const);

describe("downstreamFailure", () => {
  test.each(
    named(Code.Unauthenticated, Code.InvalidArgument, Code.Internal, Code.Unavailable, Code.NotFound),
  )("a dependency answering %s is cart being unavailable, naming the dependency and code", (_, code) => {
    const err = downstreamFailure("loms", new ConnectError("bad things", code));
    expectDownstreamFailure(err, "loms", code);
    expect(err.message).toBe(`loms failed: [${Code[code]}] bad things`);
  });

  test("a plain Error counts as Unknown", () => {
    expectDownstreamFailure(
      downstreamFailure("products", new Error("socket hang up")),
      "products",
      Code.Unknown,
    );
  });

  test.each(named(Code.Canceled, Code.DeadlineExceeded))(
    "%s is kept as it is: the caller gave up",
    (_, code) => {
      const original = new ConnectError("gone", code);
      expect(downstreamFailure("products", original)).toBe(original);
    },
  );
});
