/**
 * mapPool: a bounded worker pool with errgroup semantics, written for this project (SPEC: cart's
 * list fetches every product concurrently through "a bounded worker pool written in this project").
 *
 * What it guarantees, and why each matters:
 *
 * 1. Bounded concurrency. At most `limit` calls of `work` are in flight at any moment: `limit`
 *    workers each take the next index from a shared cursor and run one item at a time. A cart of
 *    1,000 items makes at most `limit` concurrent product calls, not 1,000 — the products service
 *    and the shared rate limiter stay in control of the load.
 *
 * 2. Results in input order. Each result is written to the slot of its input index, so
 *    `result[i]` belongs to `items[i]` however the calls interleave. Callers need no sorting or
 *    bookkeeping, and a slow item never shifts another's result.
 *
 * 3. The first error wins and cancels the rest. When any call throws, the pool aborts the
 *    AbortSignal every call received (and takes no more items), and mapPool rejects with that
 *    first error — later errors, often just the cancellation echoing back, are ignored. Work the
 *    caller no longer wants stops costing anything (downstream HTTP calls are cancelled).
 *
 * 4. Nothing is left running after it returns. mapPool settles only after every worker has
 *    finished its current call (completed, failed or reacted to the abort), so no call started by
 *    the pool can still write results, hold connections or log after the caller moved on.
 *
 * 5. The caller's signal is obeyed. If `signal` (e.g. the incoming request's) aborts, the pool
 *    aborts its calls the same way and rejects with the signal's reason.
 *
 * Safety of the shared state: Bun runs this on one thread, so the cursor increment and the result
 * writes cannot race; workers only interleave at their awaits.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, signal: AbortSignal, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`mapPool: limit must be a positive integer, got ${limit}`);
  signal?.throwIfAborted();
  const results = new Array<R>(items.length);
  const group = new AbortController();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    if (failure) return; // only the first error is reported
    failure = { error };
    group.abort(error);
  };
  const onParentAbort = () => fail(signal?.reason);
  signal?.addEventListener("abort", onParentAbort, { once: true });

  let next = 0;
  const worker = async () => {
    while (!group.signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, group.signal, index);
      } catch (error) {
        fail(error);
      }
    }
  };
  try {
    // Guarantee 4: wait for every worker, not just the first failure.
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    signal?.removeEventListener("abort", onParentAbort);
  }
  if (failure) throw failure.error;
  return results;
}
