import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform";
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
    server: parseEnv(serverEnv("PRODUCTS", 8082), env),
    tokens: own.PRODUCTS_TOKENS,
    latencyMs: own.PRODUCTS_LATENCY_MS,
    rpsLimit: own.PRODUCTS_RPS_LIMIT,
  };
}
