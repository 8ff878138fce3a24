// The same LOMS e2e suites with LOMS on the PostgreSQL cluster: 2 shards, each a primary with a
// synchronous streaming replica, started for this file by the project's own script.
import { afterAll, beforeAll, expect } from "bun:test";
import { startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { grpcSuite } from "./suites/grpc.ts";
import { restGatewaySuite } from "./suites/rest-gateway.ts";

let cluster: TestPgCluster;
let loms: SpawnedService;
beforeAll(async () => {
  cluster = await startPgCluster();
  loms = await spawnService("loms/src/main.ts", {
    portEnv: "LOMS_PORT",
    env: {
      LOMS_STORAGE: "postgres",
      LOMS_PG_PRIMARIES: cluster.shards.map((s) => s.primary).join(","),
      LOMS_PG_REPLICAS: cluster.shards.map((s) => s.replica).join(","),
    },
  });
}, 60_000);
afterAll(async () => {
  expect(await loms.stop()).toBe(0);
  await cluster.destroy();
});

restGatewaySuite(() => loms.url);
grpcSuite(() => loms.url);
