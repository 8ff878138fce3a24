import { expect } from "bun:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, toConnectError } from "@route256/platform";

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise the test settles by hand. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Yields to the event loop until `cond` holds. Bounded by turns, not by time, so a bug fails the
 * test instead of hanging it, and a slow machine does not make it flaky.
 */
export async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await Bun.sleep(0);
  expect(cond()).toBe(true);
}

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

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject");
}

/** The ConnectError a promise rejects with. */
export async function connectRejectionOf(promise: Promise<unknown>): Promise<ConnectError> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
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
