import { closeOnSignal, createLogger, loadTracingConfig, startTracing } from "@route256/platform";
import { startProducts } from "./app.ts";
import { loadProductsConfig } from "./config.ts";

const config = loadProductsConfig();
const logger = createLogger("products", config.server.logLevel, config.server.logFormat);
const tracing = startTracing(loadTracingConfig(), "products", logger);
const server = await startProducts(config, { logger });
closeOnSignal(logger, [() => server.close(), () => tracing.shutdown()]);
