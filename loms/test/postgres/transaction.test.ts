// pipelinedBegin on a real PostgreSQL: BEGIN travels with the first statement, and it keeps
// postgres.js begin's promises (commit on success, rollback on any error, a failed statement the
// body swallowed is an error at COMMIT, the connection back in the pool afterwards).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import { Registry } from "prom-client";
import { connectPostgres, type Sql } from "../../src/adapters/postgres/connect.ts";
import { createDbMetrics, instrumentSql } from "../../src/adapters/postgres/instrument.ts";
import { pipelinedBegin } from "../../src/adapters/postgres/transaction.ts";
import { CLUSTER_TIMEOUT_MS } from "./support.ts";

let cluster: TestPgCluster;
let sql: Sql;

beforeAll(async () => {
  cluster = await startPgCluster({ shards: 1, sync: false });
  sql = connectPostgres((cluster.shards[0] as { primary: string }).primary, { max: 1, prepare: true });
  await sql.unsafe("CREATE TABLE t (id int PRIMARY KEY)");
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await cluster?.destroy();
}, CLUSTER_TIMEOUT_MS);

const ids = async () => (await sql.unsafe("SELECT id FROM t ORDER BY id")).map((r) => Number(r.id));

describe("pipelinedBegin", () => {
  test("the body runs inside one transaction that commits, and returns the body's result", async () => {
    const out = await pipelinedBegin(sql, async (tx) => {
      await tx.unsafe("INSERT INTO t VALUES (1)");
      const [row] = await tx.unsafe(
        "SELECT txid_current_if_assigned() IS NOT NULL AS inside, now() = statement_timestamp() AS same",
      );
      await tx.unsafe("INSERT INTO t VALUES (2)");
      return row;
    });
    // now() is the transaction's start: it differs from the statement's time inside a transaction
    expect({ ...out }).toEqual({ inside: true, same: false });
    expect(await ids()).toEqual([1, 2]);
  });

  test("an error thrown by the body rolls everything back and is what the caller gets", async () => {
    const refused = new Error("refused");
    const err = await pipelinedBegin(sql, async (tx) => {
      await tx.unsafe("INSERT INTO t VALUES (3)");
      throw refused;
    }).catch((e: unknown) => e);
    expect(err).toBe(refused);
    expect(await ids()).toEqual([1, 2]);
  });

  test("a failed statement the body caught still fails the transaction instead of committing", async () => {
    const err = await pipelinedBegin(sql, async (tx) => {
      await tx.unsafe("INSERT INTO t VALUES (4)");
      await tx.unsafe("INSERT INTO t VALUES (1)").catch(() => {}); // duplicate key, swallowed
      return "looked fine";
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await ids()).toEqual([1, 2]);
  });

  test("the first statement failing fails the call; the one connection is free for the next", async () => {
    const err = await pipelinedBegin(sql, (tx) => tx.unsafe("SELECT * FROM no_such_table")).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe("42P01");
    // max: 1 — a connection not released would hang here
    const again = await pipelinedBegin(sql, async (tx) => (await tx.unsafe("SELECT 1 AS one"))[0]);
    expect({ ...again }).toEqual({ one: 1 });
  });
});

describe("an instrumented pool's transactions", () => {
  test("run through pipelinedBegin, counted in db_pool_in_use while open (read at scrape time)", async () => {
    const registry = new Registry();
    const url = (cluster.shards[0] as { primary: string }).primary;
    const pool = instrumentSql(
      connectPostgres(url, { max: 2, prepare: true }),
      { shard: "0", role: "primary" },
      createDbMetrics(registry),
      2,
    );
    const inUse = async () => (await registry.getSingleMetric("db_pool_in_use")?.get())?.values[0]?.value;
    try {
      const during = await pool.begin(async (tx) => {
        await tx.unsafe("INSERT INTO t VALUES (10)");
        return inUse();
      });
      expect(during).toBe(1);
      expect(await inUse()).toBe(0);
      expect(await ids()).toContain(10);
      const failed = await pool
        .begin(async (tx) => {
          await tx.unsafe("INSERT INTO t VALUES (11)");
          throw new Error("refused");
        })
        .catch((e: unknown) => (e as Error).message);
      expect(failed).toBe("refused");
      expect(await ids()).not.toContain(11);
      expect(await inUse()).toBe(0);
    } finally {
      await pool.end({ timeout: 5 });
    }
  });
});
