/**
 * Collapses concurrent calls for the same key into one: while a call for `key` is in flight, later
 * callers wait for its result instead of starting their own. Used by cart's product cache so that
 * 50 concurrent misses of one sku cost one product call (and one rate-limiter slot), not 50.
 *
 * Cancellation: each caller may give up on its own (its signal rejects only its wait). The shared
 * call gets its own signal, aborted only when EVERY caller waiting for it has given up — one
 * impatient client must not fail the others.
 */
export class SingleFlight<K, V> {
  private readonly flights = new Map<K, { promise: Promise<V>; waiters: number; abort: AbortController }>();

  async do(key: K, run: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    signal?.throwIfAborted();
    let flight = this.flights.get(key);
    if (!flight) {
      const abort = new AbortController();
      const created = { promise: run(abort.signal), waiters: 0, abort };
      flight = created;
      this.flights.set(key, created);
      // Whatever the outcome, the next caller after this one starts a fresh call.
      const forget = () => {
        if (this.flights.get(key) === created) this.flights.delete(key);
      };
      created.promise.then(forget, forget);
    }
    const current = flight;
    current.waiters++;
    if (!signal) return current.promise.finally(() => current.waiters--);
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        current.waiters--;
        if (current.waiters === 0) {
          current.abort.abort(signal.reason);
          // Nobody wants this run any more: a caller arriving now must start a fresh one, not
          // inherit the others' cancellation.
          if (this.flights.get(key) === current) this.flights.delete(key);
        }
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      current.promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          current.waiters--;
          resolve(value);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          current.waiters--;
          reject(err);
        },
      );
    });
  }

  /** Calls in flight now (for tests and metrics). */
  get size(): number {
    return this.flights.size;
  }
}
