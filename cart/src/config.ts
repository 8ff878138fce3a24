import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform/config";
import { z } from "zod";

/** Base URLs of services cart calls: http(s) only ("localhost:8082" would parse as a scheme). */
const httpUrl = z.string().regex(/^https?:\/\/[^/\s]+/, "must be an http:// or https:// URL");

const cartEnv = z.object({
  CART_STORAGE: z.enum(["memory", "redis"]).default("memory"),
  CART_REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  CART_LOMS_URL: httpUrl.default("http://127.0.0.1:8084"),
  CART_PRODUCTS_URL: httpUrl.default("http://127.0.0.1:8082"),
  CART_PRODUCTS_PROTOCOL: z.enum(["connect", "rest"]).default("connect"),
  CART_PRODUCTS_TOKEN: z.string().min(1).default("testToken"),
  CART_PRODUCTS_RPS: envVar.count(10),
  CART_PRODUCTS_RETRIES: envVar.count(3),
  CART_PRODUCT_CACHE_TTL_MS: envVar.count(5 * 60_000),
  CART_LIST_CONCURRENCY: envVar.count(10),
});

export interface CartConfig {
  server: ServerConfig;
  /** Where carts, the product cache and the shared limiter live (CART_STORAGE): memory or redis. */
  storage: "memory" | "redis";
  redisUrl: string;
  lomsUrl: string;
  productsUrl: string;
  /** connect: products.v1 over gRPC; rest: the course's GET /product/{sku} (CART_PRODUCTS_PROTOCOL). */
  productsProtocol: "connect" | "rest";
  /** Token for product calls when the incoming request has no X-API-KEY (CART_PRODUCTS_TOKEN). */
  productsToken: string;
  /** Calls to products per second across every cart instance (CART_PRODUCTS_RPS). */
  productsRps: number;
  /** Retries of a product call that got resource_exhausted / unavailable (CART_PRODUCTS_RETRIES). */
  productsRetries: number;
  productCacheTtlMs: number;
  /** Product lookups a cart listing runs at once (CART_LIST_CONCURRENCY). */
  listConcurrency: number;
}

export function loadCartConfig(env: Record<string, string | undefined> = process.env): CartConfig {
  const own = parseEnv(cartEnv, env);
  return {
    server: workersShareState(parseEnv(serverEnv("CART", 8080), env), own.CART_STORAGE),
    storage: own.CART_STORAGE,
    redisUrl: own.CART_REDIS_URL,
    lomsUrl: own.CART_LOMS_URL,
    productsUrl: own.CART_PRODUCTS_URL,
    productsProtocol: own.CART_PRODUCTS_PROTOCOL,
    productsToken: own.CART_PRODUCTS_TOKEN,
    productsRps: Math.max(1, own.CART_PRODUCTS_RPS),
    productsRetries: own.CART_PRODUCTS_RETRIES,
    productCacheTtlMs: Math.max(1, own.CART_PRODUCT_CACHE_TTL_MS),
    listConcurrency: Math.max(1, own.CART_LIST_CONCURRENCY),
  };
}

/** Carts, the cache and the limiter in memory are per process: workers would not see each other's. */
function workersShareState<T extends { workers: number }>(server: T, storage: string): T {
  if (server.workers > 1 && storage !== "redis") {
    throw new Error("invalid configuration: WORKERS: more than 1 needs CART_STORAGE=redis");
  }
  return server;
}
