import { createLogger, type Logger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { type OnePortOptions, type RunningServer, serveOnePort } from "@route256/platform/server/one-port";
import { protoDocs } from "@route256/proto/docs.ts";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { Counter, Gauge, type Registry } from "prom-client";
import { MemoryOrderRepository } from "./adapters/memory/memory-orders.ts";
import { MemoryStockRepository } from "./adapters/memory/memory-stocks.ts";
import { STOCK_FIXTURE } from "./adapters/memory/stock-fixture.ts";
import { startEmbeddedPostgres } from "./adapters/postgres/pglite.ts";
import { openPostgresStorage } from "./adapters/postgres/storage.ts";
import type { LomsConfig } from "./config.ts";
import { type OrderEventSink, openEvents } from "./events.ts";
import { startExpiryJob } from "./jobs/expiry-job.ts";
import { startOutboxRelay } from "./jobs/outbox-relay.ts";
import { startRepairJob } from "./jobs/repair-job.ts";
import { type LomsDeps, type OutboxSource, systemClock } from "./service/ports.ts";
import { lomsRoutes } from "./transport/connect.ts";
import { lomsGateway } from "./transport/rest-gateway.ts";

export interface RunningLoms {
  readonly server: RunningServer;
  /** Stops the server (draining requests), then the background jobs, then the storage. */
  close(): Promise<void>;
}

/** Where orders and stocks live, and how to let go of it. */
export interface LomsStorage {
  readonly deps: LomsDeps;
  /** Where the order events written with each status change wait for the relay. */
  readonly outbox: OutboxSource;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** The storage LOMS_STORAGE names: memory, PGlite (embedded PostgreSQL) or the PostgreSQL cluster. */
export async function openLomsStorage(
  config: LomsConfig,
  logger: Logger,
  registry?: Registry,
): Promise<LomsStorage> {
  switch (config.storage) {
    case "memory": {
      const orders = new MemoryOrderRepository();
      return {
        deps: { orders, stocks: new MemoryStockRepository(STOCK_FIXTURE), clock: systemClock },
        outbox: orders,
        ready: async () => true,
        close: async () => {},
      };
    }
    case "pglite": {
      // One shard on one embedded database that also holds the stocks; one connection (PGlite).
      const embedded = await startEmbeddedPostgres(config.pgliteDir, logger);
      try {
        const pg = await openPostgresStorage({
          shards: [{ primary: embedded.url }],
          stockShard: 0,
          pool: { max: 1, prepare: true },
          clock: systemClock,
          logger,
          registry,
        });
        return { ...pg, close: () => pg.close().then(() => embedded.close()) };
      } catch (err) {
        await embedded.close();
        throw err;
      }
    }
    case "postgres":
      return openPostgresStorage({
        shards: config.postgres.shards,
        listenUrls: config.postgres.listenUrls,
        stockShard: config.postgres.stockShard,
        pool: { max: config.postgres.poolMax, prepare: config.postgres.prepare },
        clock: systemClock,
        logger,
        registry,
      });
  }
}

/** What LOMS serves on its port, given its dependencies: the Connect services and the REST gateway. */
export function lomsSurface(deps: LomsDeps) {
  return {
    services: [OrderService, StockService],
    routes: lomsRoutes(deps),
    rest: lomsGateway,
    docs: {
      title: "loms",
      version: "1.0.0",
      description:
        "Logistics and Order Management System: orders and stocks. Connect, gRPC, gRPC-Web and the course's REST gateway on one port.",
      protoDocs,
      examples: {
        "loms.v1.OrderCreateRequest": { userId: "1", items: [{ sku: "1076963", count: 1 }] },
        "loms.v1.OrderInfoRequest": { orderId: "1" },
        "loms.v1.OrderPayRequest": { orderId: "1" },
        "loms.v1.OrderCancelRequest": { orderId: "1" },
        "loms.v1.StocksInfoRequest": { sku: "1076963" },
      },
    },
  } satisfies Partial<OnePortOptions>;
}

/** Composition root of LOMS: config in, a listening server and its background jobs out. */
export async function startLoms(
  config: LomsConfig,
  overrides: { logger?: Logger; storage?: LomsStorage; orderEvents?: OrderEventSink } = {},
): Promise<RunningLoms> {
  const logger = overrides.logger ?? createLogger("loms", config.server.logLevel, config.server.logFormat);
  const metrics = createRpcMetrics("loms");
  const storage = overrides.storage ?? (await openLomsStorage(config, logger, metrics.registry));
  const deps = storage.deps;
  const payments = new Counter({
    name: "loms_payment_results_total",
    help: "Payment results consumed from the payments topic, by outcome",
    labelNames: ["outcome"] as const,
    registers: [metrics.registry],
  });
  new Gauge({
    name: "loms_outbox_backlog",
    help: "Order events written but not yet published",
    registers: [metrics.registry],
    async collect() {
      this.set(await storage.outbox.backlog());
    },
  });
  const events = openEvents(
    config,
    deps,
    logger,
    (outcome) => payments.inc({ outcome }),
    overrides.orderEvents,
  );
  const server = await serveOnePort({
    config: config.server,
    logger,
    metrics,
    ...lomsSurface(deps),
    ready: () => storage.ready(),
  });
  const jobs = [
    await startOutboxRelay(storage.outbox, events.publisher, {
      intervalMs: config.events.relayIntervalMs,
      logger,
    }),
    startExpiryJob(deps, { ttlMs: config.orderTtlMs, intervalMs: config.expiryIntervalMs, logger }),
    startRepairJob(deps, { intervalMs: config.repairIntervalMs, graceMs: config.repairGraceMs, logger }),
  ];
  logger.info({ storage: config.storage, orderTtlMs: config.orderTtlMs }, "loms started");
  return {
    server,
    async close() {
      await server.close();
      await Promise.all(jobs.map((j) => j.stop()));
      await events.close();
      await storage.close();
    },
  };
}
