import { closeOnSignal, createLogger, loadTracingConfig, startTracing } from "@route256/platform";
import { startLoms } from "./app.ts";
import { loadLomsConfig } from "./config.ts";

const config = loadLomsConfig();
const logger = createLogger("loms", config.server.logLevel, config.server.logFormat);
const tracing = startTracing(loadTracingConfig(), "loms", logger);
const loms = await startLoms(config, { logger });
closeOnSignal(logger, [() => loms.close(), () => tracing.shutdown()]);
