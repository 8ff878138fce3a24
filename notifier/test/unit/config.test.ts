import { describe, expect, test } from "bun:test";
import { loadNotifierConfig } from "../../src/config.ts";

describe("loadNotifierConfig", () => {
  test("defaults: :8086, local Kafka and Redis, group notifier, dedupe in Redis for 24 h", () => {
    const c = loadNotifierConfig({});
    expect(c.server.port).toBe(8086);
    expect(c.server.host).toBe("127.0.0.1");
    expect(c.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(c.kafka.topic).toBe("loms.order-events");
    expect(c.kafka.groupId).toBe("notifier");
    expect(c.dedupe).toBe("redis");
    expect(c.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(c.dedupeTtlSeconds).toBe(86_400);
    expect(c.kafka.sessionTimeoutMs).toBe(10_000);
    expect(c.kafka.heartbeatMs).toBe(1_000);
  });

  test("the default client id is unique per process, so several instances can run side by side", () => {
    expect(loadNotifierConfig({}).kafka.clientId).toEndWith(`-${process.pid}`);
    expect(loadNotifierConfig({}).kafka.clientId).toStartWith("notifier-");
  });

  test("reads NOTIFIER_* variables", () => {
    const c = loadNotifierConfig({
      NOTIFIER_PORT: "8087",
      NOTIFIER_KAFKA_BROKERS: "10.0.0.1:9092, 10.0.0.2:9092",
      NOTIFIER_REDIS_URL: "redis://cache:6380",
      NOTIFIER_DEDUPE: "memory",
      NOTIFIER_DEDUPE_TTL_SECONDS: "3600",
      NOTIFIER_GROUP: "notifier-test",
      NOTIFIER_INSTANCE: "2",
      NOTIFIER_TOPIC: "orders-test",
      NOTIFIER_SESSION_TIMEOUT_MS: "6000",
      NOTIFIER_HEARTBEAT_MS: "500",
      NOTIFIER_LAG_INTERVAL_MS: "250",
    });
    expect(c.server.port).toBe(8087);
    expect(c.kafka).toEqual({
      brokers: ["10.0.0.1:9092", "10.0.0.2:9092"],
      topic: "orders-test",
      groupId: "notifier-test",
      clientId: "notifier-2",
      sessionTimeoutMs: 6000,
      heartbeatMs: 500,
      lagIntervalMs: 250,
    });
    expect(c.redisUrl).toBe("redis://cache:6380");
    expect(c.dedupe).toBe("memory");
    expect(c.dedupeTtlSeconds).toBe(3600);
  });

  test("an instance name that already says notifier is the client id as it is", () => {
    expect(loadNotifierConfig({ NOTIFIER_INSTANCE: "notifier-3" }).kafka.clientId).toBe("notifier-3");
  });

  test("the heartbeat stays within a third of the session timeout", () => {
    const c = loadNotifierConfig({ NOTIFIER_SESSION_TIMEOUT_MS: "6000", NOTIFIER_HEARTBEAT_MS: "5000" });
    expect(c.kafka.heartbeatMs).toBe(2000);
  });

  test("a bad value fails start-up naming the variable", () => {
    expect(() => loadNotifierConfig({ NOTIFIER_DEDUPE: "postgres" })).toThrow("NOTIFIER_DEDUPE");
    expect(() => loadNotifierConfig({ NOTIFIER_DEDUPE_TTL_SECONDS: "1d" })).toThrow(
      "NOTIFIER_DEDUPE_TTL_SECONDS",
    );
    expect(() => loadNotifierConfig({ NOTIFIER_PORT: "70000" })).toThrow("NOTIFIER_PORT");
    expect(() => loadNotifierConfig({ NOTIFIER_KAFKA_BROKERS: " , " })).toThrow("NOTIFIER_KAFKA_BROKERS");
  });
});
