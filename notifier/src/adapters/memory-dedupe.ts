import { DEFAULT_DEDUPE_TTL_SECONDS, type DedupeStore } from "../service/ports.ts";

/**
 * One process only (the embedded mode, unit tests). Expiry times are kept in insertion order, and
 * with one TTL for all that is also expiry order: expired ids are swept from the front, so memory
 * stays bounded by the events of one TTL.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly expiresAt = new Map<string, number>();

  constructor(
    private readonly ttlSeconds = DEFAULT_DEDUPE_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async firstTime(eventId: string): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    if (this.expiresAt.has(eventId)) return false;
    this.expiresAt.set(eventId, now + this.ttlSeconds * 1000);
    return true;
  }

  /** Ids remembered now (expired ones are dropped on the next call). */
  get size(): number {
    return this.expiresAt.size;
  }

  private sweep(now: number): void {
    for (const [id, expiry] of this.expiresAt) {
      if (expiry > now) return;
      this.expiresAt.delete(id);
    }
  }
}
