import type { Interceptor } from "@connectrpc/connect";
import type { RestFailure } from "@route256/platform/http/rest-errors";
import { createLogger, type Logger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { type OnePortOptions, type RunningServer, serveOnePort } from "@route256/platform/server/one-port";
import { protoDocs } from "@route256/proto/docs.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { Catalog } from "./catalog/catalog.ts";
import { parseCatalog } from "./catalog/tsv.ts";
import type { ProductsConfig } from "./config.ts";
import { RequestCap } from "./service/access.ts";
import { productRoutes } from "./transport/connect.ts";
import { authInterceptor, capInterceptor, latencyInterceptor } from "./transport/interceptors.ts";
import { courseErrorBody, productsRest } from "./transport/rest.ts";

const CATALOG_FILE = new URL("../data/catalog.tsv", import.meta.url).pathname;

export async function loadCatalog(path = CATALOG_FILE): Promise<Catalog> {
  return new Catalog(parseCatalog(await Bun.file(path).text()));
}

/** Composition root of the products service: config in, a listening server out. */
export async function startProducts(
  config: ProductsConfig,
  deps: { logger?: Logger; catalog?: Catalog } = {},
): Promise<RunningServer> {
  const logger = deps.logger ?? createLogger("products", config.server.logLevel, config.server.logFormat);
  const catalog = deps.catalog ?? (await loadCatalog());
  logger.info(
    { products: catalog.size, latencyMs: config.latencyMs, rpsLimit: config.rpsLimit },
    "catalog loaded",
  );
  return serveOnePort({
    config: config.server,
    logger,
    metrics: createRpcMetrics("products"),
    ...productsSurface(catalog, config),
  });
}

/**
 * What products serves on its port: the Connect service behind its access rules (the optional
 * request cap and latency, then the token check) and the course's REST routes over it.
 */
export function productsSurface(
  catalog: Catalog,
  access: Pick<ProductsConfig, "rpsLimit" | "latencyMs" | "tokens">,
) {
  // Order: the cap counts every request, the latency delays every answer, then the token check.
  const interceptors: Interceptor[] = [];
  if (access.rpsLimit > 0) interceptors.push(capInterceptor(new RequestCap(access.rpsLimit)));
  if (access.latencyMs > 0) interceptors.push(latencyInterceptor(access.latencyMs));
  interceptors.push(authInterceptor(new Set(access.tokens)));
  return {
    services: [ProductService],
    routes: productRoutes(catalog),
    interceptors,
    rest: productsRest,
    restError: (failure: RestFailure) => ({ status: failure.status, body: courseErrorBody(failure) }),
    docs: {
      title: "products",
      version: "1.0.0",
      description:
        "Product catalog (stands in for the course's product-service). Every call needs X-API-KEY " +
        "(default token: testToken): press Authorize first.",
      protoDocs,
      examples: {
        "products.v1.GetProductRequest": { sku: "1076963" },
        "products.v1.ListSkusRequest": { count: 10, startAfterSku: "0" },
      },
      documentation: {
        components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-KEY" } } },
        security: [{ apiKey: [] }],
      },
    },
  } satisfies Partial<OnePortOptions>;
}
