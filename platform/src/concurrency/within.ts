/** What `within` does when time runs out: reject with a message naming the wait, or with this error. */
export type TimeoutReason = string | (() => Error);

/**
 * The outcome of `work`, or a rejection once `ms` have passed: `Error("<what> did not finish within
 * <ms> ms")` for a string, the function's error otherwise (a protocol's own timeout error). The one
 * timeout helper of the project: no hand-written Promise.race against a timer elsewhere.
 *
 * `work` given as a function receives a signal that aborts (with the timeout error) when time runs
 * out, for work that can be cancelled (a queued Redis command). Given as a promise, the work itself
 * goes on: for waits that must end (shutdown, a commit behind a dead broker). A caller that would
 * rather go on than fail turns the rejection into its fallback: `within(…).catch(() => false)`.
 * The timer is cleared as soon as the work settles, so it never holds the process open.
 */
export function within<T>(
  ms: number,
  work: Promise<T> | T | ((signal: AbortSignal) => Promise<T>),
  reason: TimeoutReason,
): Promise<T> {
  // Only cancellable work gets a controller: readBody calls this for every request body.
  const abort = typeof work === "function" ? new AbortController() : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err =
        typeof reason === "string" ? new Error(`${reason} did not finish within ${ms} ms`) : reason();
      abort?.abort(err);
      reject(err);
    }, ms);
  });
  let running: Promise<T>;
  try {
    running = Promise.resolve(
      abort ? (work as (s: AbortSignal) => Promise<T>)(abort.signal) : (work as Promise<T> | T),
    );
  } catch (err) {
    running = Promise.reject(err);
  }
  return Promise.race([running, timeout]).finally(() => clearTimeout(timer));
}
