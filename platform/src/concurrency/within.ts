/**
 * The promise's outcome, or a rejection ("<what> did not finish within <ms> ms") once `ms` have
 * passed. The promise itself goes on: for waits that must end (shutdown, a commit behind a dead
 * broker), not for cancelling work.
 */
export function within<T>(ms: number, promise: Promise<T> | T, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
