import { expect } from "bun:test";
import { Code } from "@connectrpc/connect";
import { toConnectError } from "@route256/platform/errors/codes";
import { DomainError } from "@route256/platform/errors/domain-error";

/**
 * What a failed dependency call looks like to cart's callers (adapters/downstream-error.ts): a
 * DomainError of kind `unavailable` (503), naming the dependency and the code it answered.
 */
export function expectDownstreamFailure(err: unknown, dependency: string, code: Code): void {
  expect(err).toBeInstanceOf(DomainError);
  expect(err).toMatchObject({ kind: "unavailable" });
  expect((err as Error).message).toStartWith(`${dependency} failed: [${Code[code]}]`);
  expect(toConnectError(err).code).toBe(Code.Unavailable);
}
