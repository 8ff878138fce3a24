import { createLogger } from "@route256/platform/logger";
import { runWorkers } from "@route256/platform/server/workers";
import { loadTracingConfig, startTracing } from "@route256/platform/tracing/setup";
import { startLoms } from "./app.ts";
import { type LomsConfig, loadLomsConfig } from "./config.ts";
import type { OrderEventSink } from "./events.ts";

/**
 * LOMS as a process: configuration from the environment, WORKERS processes sharing the port, each
 * running the whole service (and its own tracing), drained on SIGTERM. `orderEvents` is for whoever
 * assembles the embedded mode: it makes, in each worker, where that worker's events go in-process.
 */
export async function runLoms(
  extra: { orderEvents?: (config: LomsConfig) => OrderEventSink } = {},
): Promise<void> {
  const config = loadLomsConfig();
  const logger = createLogger("loms", config.server.logLevel, config.server.logFormat);
  await runWorkers(config.server.workers ?? 1, logger, async (_worker, log) => {
    const tracing = startTracing(loadTracingConfig(), "loms", log);
    const loms = await startLoms(config, { logger: log, orderEvents: extra.orderEvents?.(config) });
    return [() => loms.close(), () => tracing.shutdown()];
  });
}
