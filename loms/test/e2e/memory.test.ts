// The LOMS e2e suites against LOMS started as a process with in-memory storage.
import { afterAll, beforeAll, expect } from "bun:test";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import { grpcSuite } from "./suites/grpc.ts";
import { restGatewaySuite } from "./suites/rest-gateway.ts";

let loms: SpawnedService;
beforeAll(async () => {
  loms = await spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT", env: { LOMS_STORAGE: "memory" } });
});
afterAll(async () => {
  expect(await loms.stop()).toBe(0);
});

restGatewaySuite(() => loms.url);
grpcSuite(() => loms.url);
