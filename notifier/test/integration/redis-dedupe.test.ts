import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { closeRedis, connectRedis, type RedisClient } from "@route256/platform/redis/connect";
import { freePort } from "@route256/testkit/ports";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { RedisDedupeStore } from "../../src/adapters/redis-dedupe.ts";
import { NOTIFIER_REDIS } from "../../src/app.ts";
import { createNotificationHandler } from "../../src/service/handler.ts";
import { anEvent } from "../support/events.ts";
import { captureLogger, printed } from "../support/log.ts";

let server: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  server = await startRedis();
  client = await connectRedis(server.url, captureLogger().logger, NOTIFIER_REDIS);
});

afterAll(async () => {
  await closeRedis(client);
  await server.stop().catch(() => {});
});

beforeEach(async () => {
  await client.flushAll();
});

/** Polls `check` until it holds, for at most `ms`: no fixed sleeps, no timing assertions. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await Bun.sleep(50);
  }
}

describe("RedisDedupeStore on a real Redis", () => {
  test("first time true, then false; one key per event with the TTL set", async () => {
    const store = new RedisDedupeStore(client, 3600);
    expect(await store.firstTime("e-1")).toBe(true);
    expect(await store.firstTime("e-1")).toBe(false);
    expect(await store.firstTime("e-2")).toBe(true);

    expect((await client.keys("*")).sort()).toEqual(["notifier:event:e-1", "notifier:event:e-2"]);
    const ttl = await client.ttl("notifier:event:e-1");
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  test("the default TTL is 24 hours", async () => {
    await new RedisDedupeStore(client).firstTime("e-day");
    expect(await client.ttl("notifier:event:e-day")).toBeGreaterThan(86_000);
  });

  test("an id is forgotten once its TTL has passed", async () => {
    const store = new RedisDedupeStore(client, 1);
    expect(await store.firstTime("e-short")).toBe(true);
    expect(await store.firstTime("e-short")).toBe(false);
    await eventually(() => store.firstTime("e-short"));
  });

  test("two instances (two clients) racing for one event: exactly one wins", async () => {
    const other = await connectRedis(server.url, captureLogger().logger, NOTIFIER_REDIS);
    try {
      const a = new RedisDedupeStore(client);
      const b = new RedisDedupeStore(other);
      for (let i = 0; i < 50; i++) {
        const wins = await Promise.all([a.firstTime(`race-${i}`), b.firstTime(`race-${i}`)]);
        expect(wins.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      await closeRedis(other);
    }
  });
});

describe("Redis outage", () => {
  test("lines are still printed, each with a warning, and dedupe resumes when Redis is back", async () => {
    const own = await startRedis();
    const { logger, lines } = captureLogger("info");
    const ownClient = await connectRedis(own.url, logger, NOTIFIER_REDIS);
    const handler = createNotificationHandler({ dedupe: new RedisDedupeStore(ownClient), logger });
    try {
      const before = anEvent({ eventId: "before" });
      expect(await handler.handle(before)).toBe("printed");

      await own.kill(); // SIGKILL: a crash, not a shutdown
      const during = anEvent({ eventId: "during", orderId: 77n, status: "paid" });
      expect(await handler.handle(during)).toBe("printed");
      expect(await handler.handle(during)).toBe("printed"); // no dedupe while down: twice, never zero

      expect(printed(lines).map((l) => l.eventId)).toEqual(["before", "during", "during"]);
      const warnings = lines.filter((l) => l.level === "warn" && l.msg.includes("without dedupe"));
      expect(warnings.map((l) => l.eventId)).toEqual(["during", "during"]);

      // Back on the same port (empty: no persistence), the client reconnects on its own.
      const again = await startRedis(own.port);
      try {
        await eventually(async () => ownClient.isReady);
        const after = anEvent({ eventId: "after" });
        expect(await handler.handle(after)).toBe("printed");
        expect(await handler.handle(after)).toBe("duplicate");
      } finally {
        await again.stop();
      }
    } finally {
      await closeRedis(ownClient);
    }
  }, 30_000);

  test("Redis down at start-up: the notifier starts anyway, prints with warnings, dedupes once Redis is up", async () => {
    const port = await freePort();
    const { logger, lines } = captureLogger("info");
    const late = await connectRedis(`redis://127.0.0.1:${port}`, logger, { ...NOTIFIER_REDIS, waitMs: 200 });
    const handler = createNotificationHandler({ dedupe: new RedisDedupeStore(late), logger });
    try {
      expect(lines.some((l) => l.msg.includes("redis not reachable yet"))).toBe(true);
      expect(await handler.handle(anEvent({ eventId: "early" }))).toBe("printed");
      expect(lines.filter((l) => l.eventId === "early").map((l) => l.level)).toEqual(["warn", "info"]);

      const server = await startRedis(port);
      try {
        await eventually(async () => late.isReady);
        const after = anEvent({ eventId: "later" });
        expect(await handler.handle(after)).toBe("printed");
        expect(await handler.handle(after)).toBe("duplicate");
      } finally {
        await closeRedis(late);
        await server.stop();
      }
    } finally {
      await closeRedis(late);
    }
  }, 30_000);
});
