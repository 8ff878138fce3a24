import { createLogger, type Logger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import {
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisConnectOptions,
} from "@route256/platform/redis/connect";
import { type RunningServer, serveOnePort } from "@route256/platform/server/one-port";
import { protoDocs } from "@route256/proto/docs.ts";
import { MemoryDedupeStore } from "./adapters/memory-dedupe.ts";
import { RedisDedupeStore } from "./adapters/redis-dedupe.ts";
import type { NotifierConfig } from "./config.ts";
import { createNotificationHandler } from "./service/handler.ts";
import type { DedupeStore } from "./service/ports.ts";
import { type RunningConsumer, startOrderEventsConsumer } from "./transport/consumer.ts";
import { createNotifierMetrics } from "./transport/metrics.ts";

/**
 * Redis is the dedupe store: an aid against duplicate lines, not a reason to print nothing. Commands
 * are bounded (the consumer must not stall on its first event during an outage) and start-up waits
 * for Redis only a little, then prints without dedupe until it comes.
 */
export const NOTIFIER_REDIS: RedisConnectOptions = { commandTimeoutMs: 1_000, waitMs: 5_000 };

export interface RunningNotifier {
  readonly server: RunningServer;
  readonly consumer: RunningConsumer;
  close(): Promise<void>;
}

/**
 * Composition root of the notifier: a consumer of the order events, and a port that only answers
 * /healthz, /readyz (ready once the consumer joined its group) and /metrics — no RPC services.
 */
export async function startNotifier(
  config: NotifierConfig,
  overrides: { logger?: Logger } = {},
): Promise<RunningNotifier> {
  const logger =
    overrides.logger ?? createLogger("notifier", config.server.logLevel, config.server.logFormat);
  const rpc = createRpcMetrics("notifier");
  const metrics = createNotifierMetrics(rpc.registry);

  let redis: RedisClient | undefined;
  let dedupe: DedupeStore;
  if (config.dedupe === "redis") {
    redis = await connectRedis(config.redisUrl, logger, NOTIFIER_REDIS);
    dedupe = new RedisDedupeStore(redis, config.dedupeTtlSeconds);
  } else {
    dedupe = new MemoryDedupeStore(config.dedupeTtlSeconds);
  }

  const consumer = startOrderEventsConsumer({
    ...config.kafka,
    handler: createNotificationHandler({ dedupe, logger }),
    logger,
    metrics,
  });

  const server = await serveOnePort({
    config: config.server,
    logger,
    metrics: rpc,
    services: [],
    routes: () => {},
    // Redis is not part of readiness: while it is down the notifier still prints (without dedupe).
    ready: () => consumer.ready(),
    docs: {
      title: "notifier",
      version: "1.0.0",
      description: `Prints order status changes consumed from Kafka topic ${config.kafka.topic}. This port serves health and metrics only.`,
      protoDocs,
    },
  });
  logger.info(
    {
      topic: config.kafka.topic,
      group: config.kafka.groupId,
      clientId: config.kafka.clientId,
      dedupe: config.dedupe,
      pid: process.pid,
    },
    "notifier started",
  );
  return {
    server,
    consumer,
    async close() {
      await server.close();
      await consumer.close();
      if (redis) await closeRedis(redis);
    },
  };
}
