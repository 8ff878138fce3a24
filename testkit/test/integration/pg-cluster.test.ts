import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventually } from "@route256/testkit/helpers";
import { pgReady, startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import postgres from "postgres";

// The LOMS topology for real (scripts/pg-cluster.sh, as `just infra up` runs it, but fsync off):
// 2 shards, each a primary and a synchronous streaming replica (synchronous_commit = remote_apply).

let cluster: TestPgCluster;
const clients: postgres.Sql[] = [];

function connect(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}) {
  const sql = postgres(url, { types: { bigint: postgres.BigInt }, max: 2, onnotice: () => {}, ...options });
  clients.push(sql);
  return sql;
}

async function replicaNames(primary: postgres.Sql): Promise<string[]> {
  const rows = await primary`SELECT application_name, sync_state FROM pg_stat_replication`;
  return rows.map((r) => `${r.application_name}:${r.sync_state}`);
}

beforeAll(async () => {
  cluster = await startPgCluster({ shards: 2, sync: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((sql) => sql.end({ timeout: 1 })));
  await cluster?.destroy();
}, 30_000);

describe("startPgCluster", () => {
  test("starts 2 shards of primary + replica on consecutive loopback ports, database loms", async () => {
    expect(cluster.shards).toHaveLength(2);
    const ports = cluster.shards.flatMap((s) => [s.primary, s.replica]).map((u) => Number(new URL(u).port));
    expect(ports).toEqual([0, 1, 2, 3].map((k) => cluster.basePort + k));
    for (const [i, shard] of cluster.shards.entries()) {
      expect(await pgReady(shard.primary)).toBe(true);
      expect(await pgReady(shard.replica)).toBe(true);
      const primary = connect(shard.primary);
      const replica = connect(shard.replica);
      const [p] = await primary`SELECT pg_is_in_recovery() AS standby, current_database() AS db`;
      const [r] = await replica`SELECT pg_is_in_recovery() AS standby, current_database() AS db`;
      expect(p).toEqual({ standby: false, db: "loms" });
      expect(r).toEqual({ standby: true, db: "loms" });
      expect(await replicaNames(primary)).toEqual([`shard${i}_replica:sync`]);
    }
  });

  test("pgReady answers false where no server listens", async () => {
    expect(await pgReady(`postgres://postgres@127.0.0.1:${cluster.basePort + 4}/loms`, 500)).toBe(false);
  });

  test("a commit on a primary is visible on its replica right away (remote_apply)", async () => {
    for (const shard of cluster.shards) {
      const primary = connect(shard.primary);
      const replica = connect(shard.replica);
      await primary`CREATE TABLE ryw(id bigserial PRIMARY KEY, note text NOT NULL)`;
      for (let k = 0; k < 20; k++) {
        const [row] = await primary`INSERT INTO ryw(note) VALUES (${`n${k}`}) RETURNING id`;
        expect(typeof row!.id).toBe("bigint");
        // no retry, no sleep: the commit above returned only once the replica had applied it
        const seen = await replica`SELECT note FROM ryw WHERE id = ${row!.id}`;
        expect(seen.map((r) => r.note)).toEqual([`n${k}`]);
      }
    }
  });

  test("a replica refuses writes (read-only transaction)", async () => {
    for (const shard of cluster.shards) {
      const replica = connect(shard.replica);
      const error = await replica`CREATE TABLE nope(id int)`.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(postgres.PostgresError);
      expect((error as postgres.PostgresError).code).toBe("25006"); // read_only_sql_transaction
      expect((error as postgres.PostgresError).message).toContain("read-only transaction");
    }
  });

  test("with its synchronous replica down, a primary reports it and its writes wait for it", async () => {
    const shard0 = cluster.shards[0]!;
    const primary = connect(shard0.primary);
    await primary`CREATE TABLE outage(id bigint PRIMARY KEY, at text NOT NULL)`;

    await cluster.stopNode(0, "replica");
    expect(await pgReady(shard0.replica, 500)).toBe(false);
    await eventually(
      "shard 0's primary no longer lists its replica",
      async () => (await replicaNames(primary)).length === 0,
    );
    const [conf] = await primary`SELECT current_setting('synchronous_standby_names') AS names`;
    expect(conf!.names).toBe("FIRST 1 (shard0_replica)");

    // The other shard does not care.
    const shard1 = connect(cluster.shards[1]!.primary);
    await shard1`CREATE TABLE independent(id int)`;

    // A write now blocks at commit, and statement_timeout does not bound that wait: PostgreSQL 15
    // switches the statement timer off before it commits (finish_xact_command), so the wait for the
    // standby (wait_event SyncRep) lasts until the standby is back or the query is cancelled. Any
    // deadline on a write must therefore be enforced by the client (cancel), not by the server.
    const notices: string[] = [];
    const timed = connect(shard0.primary, {
      connection: { statement_timeout: 300 },
      onnotice: (n) => notices.push(`${n.severity}: ${n.message}`),
    });
    let timedDone = false;
    const timedWrite = timed`INSERT INTO outage VALUES (1, 'during the outage, statement_timeout 300 ms')`;
    const timedResult = timedWrite.execute().finally(() => {
      timedDone = true;
    });
    await Bun.sleep(1_000);
    expect(timedDone).toBe(false); // still waiting, long after the 300 ms statement_timeout
    const [waiting] = await primary`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE 'INSERT INTO outage%'`;
    expect(waiting!.n).toBe(1);

    // A cancel ends the wait, but NOT as an error: only the wait for the standby is cancelled, the
    // transaction stays committed locally, and the client gets success plus a WARNING
    // ("canceling wait for synchronous replication … already committed locally"). So a cancelled
    // write may well have happened: callers must treat it as "unknown", never as "rolled back".
    timedWrite.cancel();
    await timedResult;
    expect(notices).toContainEqual(expect.stringContaining("canceling wait for synchronous replication"));
    expect((await primary`SELECT at FROM outage WHERE id = 1`).length).toBe(1); // committed locally

    // Without a cancel the write simply waits until the replica is back.
    let settled = false;
    const pending = primary`INSERT INTO outage VALUES (2, 'during the outage, no cancel')`
      .execute()
      .finally(() => {
        settled = true;
      });
    await Bun.sleep(500);
    expect(settled).toBe(false);

    await cluster.startNode(0, "replica");
    await pending;
    expect(settled).toBe(true);
    await eventually("shard 0's replica is synchronous again", async () =>
      (await replicaNames(primary)).includes("shard0_replica:sync"),
    );
    const replica = connect(shard0.replica);
    const rows = await replica`SELECT id FROM outage ORDER BY id`;
    expect(rows.map((r) => r.id)).toEqual([1n, 2n]);
  }, 30_000);
});
