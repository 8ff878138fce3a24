/**
 * Order ids for one shard, handed out from memory in blocks: one nextval on the shard's
 * order_id_seq per block (its increment, 64 — migration 20261205000003) instead of one per order, so
 * allocating an id before the order exists costs no round trip on the common path. A block is the
 * `size` positive sequence values up to the one nextval returned; each value v becomes the id
 * v * 10 + shard (sharding.ts). Ids are unique across processes and workers (each takes its own
 * blocks) and grow with time, but not strictly in creation order across processes; a process that
 * stops leaves the rest of its block unused (gaps, like any sequence's).
 */
export class OrderIdBlocks {
  private next = 0n;
  private last = -1n;
  private refill: Promise<void> | undefined;

  constructor(
    private readonly shard: number,
    /** Takes a block: the last value of it and its size. */
    private readonly allocate: () => Promise<{ last: bigint; size: bigint }>,
  ) {}

  async take(): Promise<bigint> {
    // Concurrent callers wait on the same refill; each then takes its own value synchronously.
    while (this.next > this.last) {
      this.refill ??= this.allocate()
        .then(({ last, size }) => {
          // A fresh sequence's first nextval is its start, 1: that block is just {1}.
          this.next = last - size + 1n > 0n ? last - size + 1n : 1n;
          this.last = last;
        })
        .finally(() => {
          this.refill = undefined;
        });
      await this.refill;
    }
    return this.next++ * 10n + BigInt(this.shard);
  }
}
