import { expect } from "bun:test";
import { Code } from "@connectrpc/connect";
import { DomainError, toConnectError } from "@route256/platform";

/**
 * Polls `cond` with a real pause between checks, for things another process does (Redis expiring a
 * key). Bounded: at most `attempts` checks.
 */
export async function eventually(cond: () => Promise<boolean>, attempts = 500, pauseMs = 10): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await cond()) return;
    await Bun.sleep(pauseMs);
  }
  expect(await cond()).toBe(true);
}

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
