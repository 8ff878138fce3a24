import { createLogger } from "@route256/platform/logger";
import { runWorkers } from "@route256/platform/server/workers";
import { loadTracingConfig, startTracing } from "@route256/platform/tracing/setup";
import { startCart } from "./app.ts";
import { loadCartConfig } from "./config.ts";

const config = loadCartConfig();
const logger = createLogger("cart", config.server.logLevel, config.server.logFormat);
// WORKERS processes share the port; each runs the whole service (and its own tracing).
await runWorkers(config.server.workers ?? 1, logger, async (_worker, log) => {
  const tracing = startTracing(loadTracingConfig(), "cart", log);
  const cart = await startCart(config, { logger: log });
  return [() => cart.close(), () => tracing.shutdown()];
});
