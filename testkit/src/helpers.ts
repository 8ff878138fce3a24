// Test helpers that bun:test has no built-in for. (A promise settled by hand is
// Promise.withResolvers(); one assertion on a rejection is `await expect(p).rejects.…`.)
// No bun:test import here: the test kit is also loaded outside `bun test` (scripts, benches).

/**
 * The error a promise rejects with, for tests that assert several things about it; fails when the
 * promise resolves, and — given a class — when the error is not an instance of it.
 */
export async function rejectionOf<E = unknown>(
  promise: Promise<unknown>,
  type?: abstract new (...args: never[]) => E,
): Promise<E> {
  let outcome: { resolved: unknown } | undefined;
  try {
    outcome = { resolved: await promise };
  } catch (err) {
    if (type && !(err instanceof type)) {
      throw new Error(`expected a rejection with ${type.name}, got ${String(err)}`, { cause: err });
    }
    return err as E;
  }
  throw new Error(`expected the promise to reject; it resolved with ${String(outcome.resolved)}`);
}

/**
 * Yields to the event loop until `cond` holds: for concurrent work the test starts and then waits
 * to reach a state (N calls parked, a flag set). Bounded by turns, not by time, so a bug fails the
 * test instead of hanging it, and a slow machine does not make it flaky.
 */
export async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await Bun.sleep(0);
  }
  if (!cond()) throw new Error(`condition not reached within ${turns} event-loop turns: ${cond}`);
}

/**
 * Polls `cond` with a pause between checks, for a state another process reaches (Redis expiring a
 * key, a replica catching up): there is no event of ours to wait on. Fails naming `what` once
 * `timeoutMs` has passed — a bound for a hung dependency, far above the normal wait.
 */
export async function eventually(
  what: string,
  cond: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, pauseMs = 20 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await Bun.sleep(pauseMs);
  }
}

/** A Connect error answer (its JSON body) with its HTTP status, for one `toMatchObject`. */
export async function connectErrorOf(
  res: Response,
): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { code?: string; message?: string };
  return { status: res.status, code: body.code ?? "", message: body.message ?? "" };
}
