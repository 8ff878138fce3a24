/**
 * How a background job walks its work: claim a batch (exclusive across LOMS instances, with a lease
 * so a claimer that died holds nothing for long), settle the claimed items it has not seen in this
 * run, repeat until a batch comes back short or holds nothing new. A claim ends when the job is done
 * with an item (or its lease runs out), so without the seen-set one run could take the same item up
 * again and never finish. Returns the sum of what `settle` reported.
 */
export async function walkClaims<T>(opts: {
  /** Claims up to `batch` items (what a job still has to look at). */
  claim: () => Promise<readonly T[]>;
  batch: number;
  /** Names an item, for the seen-set. */
  key: (item: T) => bigint;
  /** Settles fresh items; returns how many it changed. */
  settle: (fresh: readonly T[]) => Promise<number>;
}): Promise<number> {
  let changed = 0;
  const seen = new Set<bigint>();
  for (;;) {
    const claimed = await opts.claim();
    const fresh = claimed.filter((item) => !seen.has(opts.key(item)));
    for (const item of fresh) seen.add(opts.key(item));
    if (fresh.length > 0) changed += await opts.settle(fresh);
    if (claimed.length < opts.batch || fresh.length === 0) return changed;
  }
}

/** Settles items one after another; `one` says whether it changed the item. */
export function oneByOne<T>(one: (item: T) => Promise<boolean>): (items: readonly T[]) => Promise<number> {
  return async (items) => {
    let changed = 0;
    for (const item of items) if (await one(item)) changed++;
    return changed;
  };
}
