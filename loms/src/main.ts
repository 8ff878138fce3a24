import { createLogger, loadTracingConfig, runWorkers, startTracing } from "@route256/platform";
import { startLoms } from "./app.ts";
import { loadLomsConfig } from "./config.ts";

const config = loadLomsConfig();
const logger = createLogger("loms", config.server.logLevel, config.server.logFormat);
// WORKERS processes share the port; each runs the whole service (and its own tracing).
await runWorkers(config.server.workers ?? 1, logger, async (_worker, log) => {
  const tracing = startTracing(loadTracingConfig(), "loms", log);
  const loms = await startLoms(config, { logger: log });
  return [() => loms.close(), () => tracing.shutdown()];
});
