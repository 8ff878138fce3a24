import { closeOnSignal, createLogger, loadTracingConfig, startTracing } from "@route256/platform";
import { startCart } from "./app.ts";
import { loadCartConfig } from "./config.ts";

const config = loadCartConfig();
const logger = createLogger("cart", config.server.logLevel, config.server.logFormat);
const tracing = startTracing(loadTracingConfig(), "cart", logger);
const cart = await startCart(config, { logger });
closeOnSignal(logger, [() => cart.close(), () => tracing.shutdown()]);
