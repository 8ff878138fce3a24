import type { Sql } from "./connect.ts";

/**
 * `sql.begin(body)` with one write and one round trip fewer: postgres.js's own `begin` waits for
 * BEGIN's answer before the body runs, so every transaction costs an extra socket write (the larger
 * part of LOMS's CPU per call on PostgreSQL is socket writes: bench/README.md) and an extra round
 * trip. Here BEGIN is queued unawaited on a reserved connection, and postgres.js sends it in one
 * write with the body's first statement (it flushes a connection's queued messages once per tick).
 *
 * Same promises as `begin`: the body's result once COMMIT succeeded; any error rolls back and is
 * rethrown. A statement that failed inside the body aborts the transaction even if the body caught
 * the error; PostgreSQL then answers COMMIT with ROLLBACK, which is reported as that error here
 * (postgres.js's `begin` does the same), never as a commit.
 */
export async function pipelinedBegin<T>(sql: Sql, body: (tx: Sql) => Promise<T>): Promise<T> {
  const tx = await sql.reserve();
  try {
    const begun = tx.unsafe("begin").execute();
    let result: T;
    try {
      result = await body(tx as unknown as Sql);
      await begun;
    } catch (err) {
      await begun.catch(() => {});
      throw err;
    }
    const committed = await tx.unsafe("commit");
    if (committed.command !== "COMMIT") {
      throw new Error(
        `transaction rolled back instead of committed (${committed.command}): a statement in it failed`,
      );
    }
    return result;
  } catch (err) {
    // After a failed BEGIN or COMMIT this is a harmless no-op (or fails on a broken connection,
    // which postgres.js drops anyway); after a failed statement it ends the aborted transaction.
    await tx.unsafe("rollback").catch(() => {});
    throw err;
  } finally {
    tx.release();
  }
}
