import { describe, expect, setSystemTime, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { loadLomsConfig } from "../../src/config.ts";
import { orderCreate } from "../../src/service/order-create.ts";
import { systemClock } from "../../src/service/ports.ts";
import { stocksInfo } from "../../src/service/stocks-info.ts";

describe("loadLomsConfig", () => {
  test("defaults: :8084 on loopback, memory storage, ttl 10 min, expiry every 30 s", () => {
    const c = loadLomsConfig({});
    expect(c.server).toMatchObject({
      host: "127.0.0.1",
      port: 8084,
      logLevel: "info",
      shutdownGraceMs: 10_000,
    });
    expect(c.storage).toBe("memory");
    expect(c.orderTtlMs).toBe(600_000);
    expect(c.expiryIntervalMs).toBe(30_000);
    expect(c.repairIntervalMs).toBe(10_000);
    expect(c.repairGraceMs).toBe(30_000);
  });

  test("reads LOMS_* variables and the shared server ones", () => {
    const c = loadLomsConfig({
      LOMS_HOST: "0.0.0.0",
      LOMS_PORT: "9084",
      LOG_LEVEL: "silent",
      SHUTDOWN_GRACE_MS: "250",
      LOMS_STORAGE: "memory",
      LOMS_ORDER_TTL_MS: "1500",
      LOMS_EXPIRY_INTERVAL_MS: "20",
      LOMS_REPAIR_INTERVAL_MS: "30",
      LOMS_REPAIR_GRACE_MS: "40",
    });
    expect(c.server).toMatchObject({ host: "0.0.0.0", port: 9084, logLevel: "silent", shutdownGraceMs: 250 });
    expect(c.storage).toBe("memory");
    expect(c.orderTtlMs).toBe(1500);
    expect(c.expiryIntervalMs).toBe(20);
    expect(c.repairIntervalMs).toBe(30);
    expect(c.repairGraceMs).toBe(40);
  });

  test("a zero ttl or grace is allowed; a zero interval is raised to 1 ms so a job cannot spin", () => {
    const c = loadLomsConfig({
      LOMS_ORDER_TTL_MS: "0",
      LOMS_EXPIRY_INTERVAL_MS: "0",
      LOMS_REPAIR_INTERVAL_MS: "0",
      LOMS_REPAIR_GRACE_MS: "0",
    });
    expect(c.orderTtlMs).toBe(0);
    expect(c.expiryIntervalMs).toBe(1);
    expect(c.repairIntervalMs).toBe(1);
    expect(c.repairGraceMs).toBe(0);
  });

  test("reads process.env when no env is given", () => {
    const saved = process.env.LOMS_ORDER_TTL_MS;
    process.env.LOMS_ORDER_TTL_MS = "1234";
    try {
      expect(loadLomsConfig().orderTtlMs).toBe(1234);
    } finally {
      if (saved === undefined) delete process.env.LOMS_ORDER_TTL_MS;
      else process.env.LOMS_ORDER_TTL_MS = saved;
    }
  });

  test.each([
    ["LOMS_STORAGE", "mysql"],
    ["LOMS_STORAGE", ""],
    ["LOMS_ORDER_TTL_MS", "ten minutes"],
    ["LOMS_ORDER_TTL_MS", "-1"],
    ["LOMS_ORDER_TTL_MS", "1.5"],
    ["LOMS_EXPIRY_INTERVAL_MS", "soon"],
    ["LOMS_REPAIR_INTERVAL_MS", "-5"],
    ["LOMS_REPAIR_GRACE_MS", "half a minute"],
    ["LOMS_PORT", "70000"],
    ["LOG_LEVEL", "loud"],
  ])("a bad %s (%p) fails start-up naming the variable", (name, value) => {
    expect(() => loadLomsConfig({ [name]: value })).toThrow(name);
  });
});

describe("loadLomsConfig: PostgreSQL settings", () => {
  test("defaults: two order shards, each a primary with its replica; stocks on shard 0", () => {
    const c = loadLomsConfig({});
    expect(c.postgres).toEqual({
      shards: [
        {
          primary: "postgres://postgres@127.0.0.1:55432/loms",
          replica: "postgres://postgres@127.0.0.1:55433/loms",
        },
        {
          primary: "postgres://postgres@127.0.0.1:55434/loms",
          replica: "postgres://postgres@127.0.0.1:55435/loms",
        },
      ],
      stockShard: 0,
      poolMax: 10,
      prepare: true,
      // the relay LISTENs on the primaries themselves
      listenUrls: ["postgres://postgres@127.0.0.1:55432/loms", "postgres://postgres@127.0.0.1:55434/loms"],
    });
  });

  test("comma-separated primaries and replicas pair up in order; no replicas means reads go to primaries", () => {
    const c = loadLomsConfig({
      LOMS_STORAGE: "postgres",
      LOMS_PG_PRIMARIES: "postgres://a/x, postgres://b/x ,postgres://c/x",
      LOMS_PG_REPLICAS: "",
      LOMS_PG_STOCK_SHARD: "2",
      LOMS_PG_POOL_MAX: "0",
      LOMS_PG_PREPARE: "false",
    });
    expect(c.storage).toBe("postgres");
    expect(c.postgres).toEqual({
      shards: [
        { primary: "postgres://a/x", replica: undefined },
        { primary: "postgres://b/x", replica: undefined },
        { primary: "postgres://c/x", replica: undefined },
      ],
      stockShard: 2,
      poolMax: 1,
      prepare: false,
      listenUrls: ["postgres://a/x", "postgres://b/x", "postgres://c/x"],
    });
  });

  test("LOMS_PG_LISTEN: the relay's LISTEN connections, one per shard (a bouncer cannot keep one), or off", () => {
    const two = { LOMS_PG_PRIMARIES: "postgres://bouncer-a/x,postgres://bouncer-b/x" };
    expect(
      loadLomsConfig({ ...two, LOMS_PG_LISTEN: "postgres://a/x, postgres://b/x" }).postgres.listenUrls,
    ).toEqual(["postgres://a/x", "postgres://b/x"]);
    expect(loadLomsConfig({ ...two, LOMS_PG_LISTEN: "off" }).postgres.listenUrls).toEqual([]);
    expect(() => loadLomsConfig({ ...two, LOMS_PG_LISTEN: "postgres://a/x" })).toThrow("LOMS_PG_LISTEN");
  });

  test.each([
    [{ LOMS_PG_PRIMARIES: " , " }, "LOMS_PG_PRIMARIES"],
    [
      { LOMS_PG_PRIMARIES: "postgres://a/x", LOMS_PG_REPLICAS: "postgres://r1/x,postgres://r2/x" },
      "LOMS_PG_REPLICAS",
    ],
    [{ LOMS_PG_STOCK_SHARD: "2" }, "LOMS_PG_STOCK_SHARD"],
    [{ LOMS_PG_PREPARE: "yes" }, "LOMS_PG_PREPARE"],
    // an 11th shard's ids would end in 0 like shard 0's (loms/src/adapters/postgres/sharding.ts)
    [
      {
        LOMS_PG_PRIMARIES: Array.from({ length: 11 }, (_, i) => `postgres://p${i}/x`).join(","),
        LOMS_PG_REPLICAS: "",
      },
      "at most 10 shards",
    ],
  ])("inconsistent shard settings %p fail start-up naming %p", (env, name) => {
    expect(() => loadLomsConfig(env)).toThrow(name);
  });

  test("ten shards are the most an order id can name, and are accepted", () => {
    const primaries = Array.from({ length: 10 }, (_, i) => `postgres://p${i}/x`).join(",");
    const config = loadLomsConfig({
      LOMS_PG_PRIMARIES: primaries,
      LOMS_PG_REPLICAS: "",
      LOMS_PG_STOCK_SHARD: "9",
    });
    expect(config.postgres.shards.length).toBe(10);
  });
});

describe("openLomsStorage", () => {
  test("memory storage: fresh repositories holding the course fixture, and the system clock", async () => {
    // Imported here: app.ts pulls in the PostgreSQL adapters, which the config tests above do not need.
    const { openLomsStorage } = await import("../../src/app.ts");
    const config = loadLomsConfig({});
    const logger = createLogger("test", "silent");
    const sa = await openLomsStorage(config, logger);
    const sb = await openLomsStorage(config, logger);
    const [a, b] = [sa.deps, sb.deps];
    expect(a.clock).toBe(systemClock);
    expect(await sa.ready()).toBe(true);
    for (const row of STOCK_FIXTURE) {
      expect(await a.stocks.available(row.sku)).toBe(Math.max(0, row.totalCount - row.reserved));
    }
    // Two instances share nothing.
    await orderCreate(a, 1n, [{ sku: 1625903n, count: 10 }]);
    expect(await stocksInfo(a, 1625903n)).toBe(9990);
    expect(await stocksInfo(b, 1625903n)).toBe(10000);
    expect(await b.orders.get(1n)).toBeUndefined();
    // The shared fixture constant is not changed by reservations.
    expect(STOCK_FIXTURE.find((s) => s.sku === 1625903n)?.reserved).toBe(0);
    await sa.close();
    await sb.close();
  });
});

describe("systemClock", () => {
  test("systemClock tells wall time", () => {
    const wall = new Date("2026-03-01T12:00:00Z");
    setSystemTime(wall);
    try {
      expect(systemClock.now()).toEqual(wall);
    } finally {
      setSystemTime();
    }
  });
});

describe("WORKERS", () => {
  test.each(["memory", "pglite"])(
    "more than 1 is refused on %s storage (it lives in one process)",
    (storage) => {
      expect(() => loadLomsConfig({ WORKERS: "2", LOMS_STORAGE: storage })).toThrow(
        "WORKERS: more than 1 needs LOMS_STORAGE=postgres",
      );
    },
  );

  test("several on postgres", () => {
    expect(loadLomsConfig({ WORKERS: "4", LOMS_STORAGE: "postgres" }).server.workers).toBe(4);
  });
});
