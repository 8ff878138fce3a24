// The PostgreSQL setups the LOMS benchmarks run on, each started fresh (durable: fsync on).
import { startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import { lomsEnv } from "../loms/test/postgres/support.ts";

export interface Setup {
  name: string;
  cluster: TestPgCluster;
  /** LOMS's storage variables. */
  env: Record<string, string>;
  /** Where StocksInfo reads, and the primary holding stocks. */
  readUrl: string;
  stockPrimary: string;
}

/** (a): one durable primary and nothing else — its replica is stopped, reads go to the primary. */
export async function onePrimary(): Promise<Setup> {
  const cluster = await startPgCluster({ shards: 1, sync: false, durable: true });
  await cluster.stopNode(0, "replica");
  const primary = (cluster.shards[0] as { primary: string }).primary;
  return {
    name: "(a) one primary, no replica",
    cluster,
    env: { LOMS_STORAGE: "postgres", LOMS_PG_PRIMARIES: primary, LOMS_PG_REPLICAS: "" },
    readUrl: primary,
    stockPrimary: primary,
  };
}

/** (b): 2 shards, each a durable primary with a synchronous replica; reads on the replicas. */
export async function twoShards(): Promise<Setup> {
  const cluster = await startPgCluster({ shards: 2, sync: true, durable: true });
  const shard0 = cluster.shards[0] as { primary: string; replica: string };
  return {
    name: "(b) 2 shards, synchronous replicas",
    cluster,
    env: lomsEnv(cluster),
    readUrl: shard0.replica,
    stockPrimary: shard0.primary,
  };
}
