import { closeOnSignal, createLogger } from "@route256/platform";
import { startProducts } from "./app.ts";
import { loadProductsConfig } from "./config.ts";

const config = loadProductsConfig();
const logger = createLogger("products", config.server.logLevel);
const server = await startProducts(config, { logger });
closeOnSignal(logger, [() => server.close()]);
