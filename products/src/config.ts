import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform/config";
import { z } from "zod";

const productsEnv = z.object({
  PRODUCTS_TOKENS: envVar.list("testToken"),
  PRODUCTS_LATENCY_MS: envVar.count(0),
  PRODUCTS_RPS_LIMIT: envVar.count(0),
});

export interface ProductsConfig {
  server: ServerConfig;
  /** Accepted X-API-KEY values (PRODUCTS_TOKENS, comma-separated). */
  tokens: string[];
  /** Artificial delay before every answer, for testing callers (PRODUCTS_LATENCY_MS; 0 = none). */
  latencyMs: number;
  /** At most this many requests in any second, more get resource_exhausted / 429 (PRODUCTS_RPS_LIMIT; 0 = no cap). */
  rpsLimit: number;
}

export function loadProductsConfig(env: Record<string, string | undefined> = process.env): ProductsConfig {
  const own = parseEnv(productsEnv, env);
  return {
    server: oneCapPerService(parseEnv(serverEnv("PRODUCTS", 8082), env), own.PRODUCTS_RPS_LIMIT),
    tokens: own.PRODUCTS_TOKENS,
    latencyMs: own.PRODUCTS_LATENCY_MS,
    rpsLimit: own.PRODUCTS_RPS_LIMIT,
  };
}

/** The RPS cap is counted in each process: with several workers it would let through several times it. */
function oneCapPerService<T extends { workers: number }>(server: T, rpsLimit: number): T {
  if (server.workers > 1 && rpsLimit > 0) {
    throw new Error("invalid configuration: WORKERS: more than 1 cannot keep PRODUCTS_RPS_LIMIT per service");
  }
  return server;
}
