import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform";
import { z } from "zod";

const lomsEnv = z.object({
  LOMS_STORAGE: z.enum(["memory"]).default("memory"),
  LOMS_ORDER_TTL_MS: envVar.count(10 * 60_000),
  LOMS_EXPIRY_INTERVAL_MS: envVar.count(30_000),
});

export interface LomsConfig {
  server: ServerConfig;
  /** Where orders and stocks live (LOMS_STORAGE): memory for the embedded mode. */
  storage: "memory";
  /** Orders awaiting payment longer than this are cancelled (LOMS_ORDER_TTL_MS, default 10 min). */
  orderTtlMs: number;
  /** How often the expiry job looks for such orders (LOMS_EXPIRY_INTERVAL_MS, default 30 s). */
  expiryIntervalMs: number;
}

export function loadLomsConfig(env: Record<string, string | undefined> = process.env): LomsConfig {
  const own = parseEnv(lomsEnv, env);
  return {
    server: parseEnv(serverEnv("LOMS", 8084), env),
    storage: own.LOMS_STORAGE,
    orderTtlMs: own.LOMS_ORDER_TTL_MS,
    expiryIntervalMs: Math.max(1, own.LOMS_EXPIRY_INTERVAL_MS),
  };
}
