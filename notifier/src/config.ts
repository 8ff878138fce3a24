import { hostname } from "node:os";
import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform/config";
import type { ConsumerGroupSettings } from "@route256/platform/kafka/consumer-loop";
import { z } from "zod";
import { DEFAULT_DEDUPE_TTL_SECONDS } from "./service/ports.ts";

export const ORDER_EVENTS_TOPIC = "loms.order-events";

const notifierEnv = z.object({
  NOTIFIER_KAFKA_BROKERS: envVar.list("127.0.0.1:9092").refine((l) => l.length > 0, "at least one host:port"),
  NOTIFIER_TOPIC: z.string().trim().min(1).default(ORDER_EVENTS_TOPIC),
  NOTIFIER_GROUP: z.string().trim().min(1).default("notifier"),
  NOTIFIER_INSTANCE: z.string().trim().optional(),
  NOTIFIER_DEDUPE: z.enum(["redis", "memory"]).default("redis"),
  NOTIFIER_REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  NOTIFIER_DEDUPE_TTL_SECONDS: envVar.count(DEFAULT_DEDUPE_TTL_SECONDS),
  NOTIFIER_SESSION_TIMEOUT_MS: envVar.count(10_000),
  NOTIFIER_HEARTBEAT_MS: envVar.count(1_000),
  NOTIFIER_LAG_INTERVAL_MS: envVar.count(5_000),
});

export interface NotifierConfig {
  /** Health and metrics only (NOTIFIER_HOST, NOTIFIER_PORT, default :8086). */
  server: ServerConfig;
  /**
   * The consumer group (documented on ConsumerGroupSettings): brokers NOTIFIER_KAFKA_BROKERS
   * (host:port, comma-separated); topic NOTIFIER_TOPIC (loms.order-events; another name only for
   * tests that want a topic of their own); groupId NOTIFIER_GROUP (every instance joins it); clientId
   * from NOTIFIER_INSTANCE (default: host name and pid, unique per process); sessionTimeoutMs
   * NOTIFIER_SESSION_TIMEOUT_MS (the broker accepts 6 s to 30 min by default); heartbeatMs
   * NOTIFIER_HEARTBEAT_MS (at most a third of the session).
   */
  kafka: ConsumerGroupSettings & {
    /**
     * notifier_consumer_lag is measured at least this often (NOTIFIER_LAG_INTERVAL_MS), and also after
     * every join and commit (at most once a second, or this often when shorter).
     */
    lagIntervalMs: number;
  };
  /** redis: shared by every instance (the real thing); memory: one process only (NOTIFIER_DEDUPE). */
  dedupe: "redis" | "memory";
  redisUrl: string;
  /** How long an event id is remembered (NOTIFIER_DEDUPE_TTL_SECONDS, default 24 h). */
  dedupeTtlSeconds: number;
}

export function loadNotifierConfig(env: Record<string, string | undefined> = process.env): NotifierConfig {
  const own = parseEnv(notifierEnv, env);
  const server = parseEnv(serverEnv("NOTIFIER", 8086), env);
  const sessionTimeoutMs = Math.max(1_000, own.NOTIFIER_SESSION_TIMEOUT_MS);
  const instance = own.NOTIFIER_INSTANCE || `${hostname()}-${process.pid}`;
  return {
    server,
    kafka: {
      brokers: own.NOTIFIER_KAFKA_BROKERS,
      topic: own.NOTIFIER_TOPIC,
      groupId: own.NOTIFIER_GROUP,
      // "notifier-2" stays itself (scripts/stack.sh names instances so), "2" becomes "notifier-2".
      clientId: instance.startsWith("notifier") ? instance : `notifier-${instance}`,
      sessionTimeoutMs,
      heartbeatMs: Math.max(100, Math.min(own.NOTIFIER_HEARTBEAT_MS, Math.floor(sessionTimeoutMs / 3))),
      lagIntervalMs: Math.max(100, own.NOTIFIER_LAG_INTERVAL_MS),
    },
    dedupe: own.NOTIFIER_DEDUPE,
    redisUrl: own.NOTIFIER_REDIS_URL,
    dedupeTtlSeconds: Math.max(1, own.NOTIFIER_DEDUPE_TTL_SECONDS),
  };
}
