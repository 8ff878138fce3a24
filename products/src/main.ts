import { createLogger } from "@route256/platform/logger";
import { runWorkers } from "@route256/platform/server/workers";
import { loadTracingConfig, startTracing } from "@route256/platform/tracing/setup";
import { startProducts } from "./app.ts";
import { loadProductsConfig } from "./config.ts";

const config = loadProductsConfig();
const logger = createLogger("products", config.server.logLevel, config.server.logFormat);
// WORKERS processes share the port; each runs the whole service (and its own tracing).
await runWorkers(config.server.workers ?? 1, logger, async (_worker, log) => {
  const tracing = startTracing(loadTracingConfig(), "products", log);
  const server = await startProducts(config, { logger: log });
  return [() => server.close(), () => tracing.shutdown()];
});
