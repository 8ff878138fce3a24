import type { Sql } from "./connect.ts";

/** Errors that mean "this server cannot be reached", as opposed to a failing statement. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery without hot standby)
]);

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code !== undefined && UNREACHABLE.has(code);
}

/**
 * A primary and its synchronous replica. Reads go to the replica (commits on the primary wait
 * until the replica has applied them — synchronous_commit=remote_apply — so reads see every
 * acknowledged write); when the replica cannot be reached they go to the primary, and the replica
 * is left alone for a few seconds instead of costing every read a failed connect.
 */
export class ReplicatedDb {
  private replicaDownUntil = 0;

  constructor(
    readonly primary: Sql,
    readonly replica: Sql = primary,
    private readonly retryReplicaAfterMs = 5_000,
  ) {}

  async read<T>(query: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.replica === this.primary || Date.now() < this.replicaDownUntil) return query(this.primary);
    try {
      return await query(this.replica);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      this.replicaDownUntil = Date.now() + this.retryReplicaAfterMs;
      return query(this.primary);
    }
  }

  async end(): Promise<void> {
    await Promise.all([
      this.primary.end({ timeout: 5 }),
      this.replica === this.primary ? undefined : this.replica.end({ timeout: 5 }),
    ]);
  }
}
