import {
  createLogger,
  createRpcMetrics,
  type Logger,
  type RunningServer,
  serveOnePort,
} from "@route256/platform";
import { protoDocs } from "@route256/proto/docs.ts";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { MemoryOrderRepository } from "./adapters/memory/memory-orders.ts";
import { MemoryStockRepository } from "./adapters/memory/memory-stocks.ts";
import { STOCK_FIXTURE } from "./adapters/memory/stock-fixture.ts";
import type { LomsConfig } from "./config.ts";
import { startExpiryJob } from "./jobs/expiry-job.ts";
import { type LomsDeps, systemClock } from "./service/ports.ts";
import { lomsRoutes } from "./transport/connect.ts";
import { lomsGateway } from "./transport/rest-gateway.ts";

export interface RunningLoms {
  readonly server: RunningServer;
  /** Stops the server (draining requests), then the background jobs. */
  close(): Promise<void>;
}

/** The repositories for the configured storage. */
export function createLomsDeps(config: LomsConfig): LomsDeps {
  switch (config.storage) {
    case "memory":
      return {
        orders: new MemoryOrderRepository(),
        stocks: new MemoryStockRepository(STOCK_FIXTURE),
        clock: systemClock,
      };
  }
}

/** Composition root of LOMS: config in, a listening server and its background jobs out. */
export async function startLoms(
  config: LomsConfig,
  overrides: { logger?: Logger; deps?: LomsDeps } = {},
): Promise<RunningLoms> {
  const logger = overrides.logger ?? createLogger("loms", config.server.logLevel);
  const deps = overrides.deps ?? createLomsDeps(config);
  const server = await serveOnePort({
    config: config.server,
    logger,
    metrics: createRpcMetrics("loms"),
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
  });
  const expiry = startExpiryJob(deps, {
    ttlMs: config.orderTtlMs,
    intervalMs: config.expiryIntervalMs,
    logger,
  });
  logger.info({ storage: config.storage, orderTtlMs: config.orderTtlMs }, "loms started");
  return {
    server,
    async close() {
      await server.close();
      await expiry.stop();
    },
  };
}
