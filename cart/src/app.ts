import { createGrpcTransport } from "@connectrpc/connect-node";
import { retryInterceptor } from "@route256/platform/connect/retry-interceptor";
import { createLogger, type Logger } from "@route256/platform/logger";
import { createRpcMetrics } from "@route256/platform/metrics";
import { rateLimitInterceptor } from "@route256/platform/ratelimit/interceptor";
import type { RateLimiter } from "@route256/platform/ratelimit/limiter";
import { createLocalLimiter } from "@route256/platform/ratelimit/local-limiter";
import { createRedisLimiter } from "@route256/platform/ratelimit/redis-limiter";
import { connectRedis, type RedisClient } from "@route256/platform/redis/connect";
import { type OnePortOptions, type RunningServer, serveOnePort } from "@route256/platform/server/one-port";
import { clientTraceInterceptor } from "@route256/platform/tracing/connect";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { protoDocs } from "@route256/proto/docs.ts";
import { Counter, Histogram } from "prom-client";
import { LomsClient } from "./adapters/loms/loms-client.ts";
import { MemoryCartRepository } from "./adapters/memory/memory-carts.ts";
import { CachedProductCatalog } from "./adapters/products/cached-catalog.ts";
import { ConnectProductCatalog } from "./adapters/products/connect-products.ts";
import {
  MemoryProductCache,
  type ProductCache,
  RedisProductCache,
} from "./adapters/products/product-cache.ts";
import { RestProductCatalog } from "./adapters/products/rest-products.ts";
import { acceptProductsToken, tokenInterceptor } from "./adapters/products/token.ts";
import { RedisCartRepository } from "./adapters/redis/redis-carts.ts";
import type { CartConfig } from "./config.ts";
import type { CartDeps, CartRepository, ProductCatalog } from "./service/ports.ts";
import { cartRoutes } from "./transport/connect.ts";
import { cartRest, cartRestError } from "./transport/rest.ts";

export interface RunningCart {
  readonly server: RunningServer;
  close(): Promise<void>;
}

/**
 * What cart serves on its port, given its dependencies: the Connect service, the REST routes over it,
 * and the edge that takes the caller's products token (X-API-KEY) into the call's context.
 */
export function cartSurface(deps: CartDeps) {
  return {
    services: [CartService],
    routes: cartRoutes(deps),
    interceptors: [acceptProductsToken()],
    rest: cartRest,
    restError: cartRestError,
    docs: {
      title: "cart",
      version: "1.0.0",
      description: "User carts and checkout: the course's REST contract and cart.v1.CartService on one port.",
      protoDocs,
      examples: {
        "cart.v1.AddItemRequest": { userId: "1", sku: "1076963", count: 1 },
        "cart.v1.ListCartRequest": { userId: "1" },
        "cart.v1.CheckoutRequest": { userId: "1" },
      },
    },
  } satisfies Partial<OnePortOptions>;
}

/** Composition root of cart: config in, a listening server out. */
export async function startCart(
  config: CartConfig,
  overrides: { logger?: Logger } = {},
): Promise<RunningCart> {
  const logger = overrides.logger ?? createLogger("cart", config.server.logLevel, config.server.logFormat);
  const metrics = createRpcMetrics("cart");
  const limiterWait = new Histogram({
    name: "products_limiter_wait_seconds",
    help: "Time product calls waited for the shared 10 RPS limiter, by where the decision was made",
    labelNames: ["source"] as const,
    buckets: [0, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  const cacheLookups = new Counter({
    name: "product_cache_lookups_total",
    help: "Product cache lookups, by result (hit or miss)",
    labelNames: ["result"] as const,
    registers: [metrics.registry],
  });

  let redis: RedisClient | undefined;
  let carts: CartRepository;
  let cache: ProductCache;
  const local = createLocalLimiter({ rps: config.productsRps });
  let limiter: RateLimiter = local;
  if (config.storage === "redis") {
    const client = await connectRedis(config.redisUrl, logger);
    redis = client;
    carts = new RedisCartRepository(client);
    cache = new RedisProductCache(client, config.productCacheTtlMs, logger);
    limiter = createRedisLimiter({
      client,
      key: "ratelimit:products",
      rps: config.productsRps,
      fallback: local,
      logger,
      onWait: (ms, source) => limiterWait.observe({ source }, ms / 1000),
    });
  } else {
    carts = new MemoryCartRepository();
    cache = new MemoryProductCache(config.productCacheTtlMs);
  }

  const retry = { retries: config.productsRetries, baseDelayMs: 100 };
  // Chain, outermost first: the client span (so it shows the whole wait, retries included) → retry
  // (each attempt waits for a new slot) → shared limiter → token.
  const productsSource: ProductCatalog =
    config.productsProtocol === "connect"
      ? new ConnectProductCatalog(
          createGrpcTransport({
            baseUrl: config.productsUrl,
            interceptors: [
              clientTraceInterceptor(),
              retryInterceptor(retry),
              rateLimitInterceptor(limiter),
              tokenInterceptor(config.productsToken),
            ],
          }),
        )
      : new RestProductCatalog(config.productsUrl, config.productsToken, retry, async (signal) => {
          await limiter.acquire({ signal });
        });
  const loms = new LomsClient(
    createGrpcTransport({ baseUrl: config.lomsUrl, interceptors: [clientTraceInterceptor()] }),
  );
  const deps: CartDeps = {
    carts,
    products: new CachedProductCatalog(productsSource, cache, {
      onHit: () => cacheLookups.inc({ result: "hit" }),
      onMiss: () => cacheLookups.inc({ result: "miss" }),
    }),
    stocks: loms,
    orders: loms,
    listConcurrency: config.listConcurrency,
  };

  const server = await serveOnePort({
    config: config.server,
    logger,
    metrics,
    ...cartSurface(deps),
    ready: () => redis?.isReady ?? true,
  });
  logger.info(
    {
      storage: config.storage,
      products: config.productsUrl,
      protocol: config.productsProtocol,
      loms: config.lomsUrl,
    },
    "cart started",
  );
  return {
    server,
    async close() {
      await server.close();
      await redis?.quit();
    },
  };
}
