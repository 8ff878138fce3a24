import { envVar, parseEnv, type ServerConfig, serverEnv } from "@route256/platform/config";
import { z } from "zod";
import { MAX_SHARDS } from "./adapters/postgres/sharding.ts";

const lomsEnv = z.object({
  LOMS_STORAGE: z.enum(["memory", "pglite", "postgres"]).default("memory"),
  LOMS_ORDER_TTL_MS: envVar.count(10 * 60_000),
  LOMS_EXPIRY_INTERVAL_MS: envVar.count(30_000),
  LOMS_REPAIR_INTERVAL_MS: envVar.count(10_000),
  LOMS_REPAIR_GRACE_MS: envVar.count(30_000),
  LOMS_PG_PRIMARIES: envVar.list(
    "postgres://postgres@127.0.0.1:55432/loms,postgres://postgres@127.0.0.1:55434/loms",
  ),
  LOMS_PG_REPLICAS: envVar.list(
    "postgres://postgres@127.0.0.1:55433/loms,postgres://postgres@127.0.0.1:55435/loms",
  ),
  LOMS_PG_STOCK_SHARD: envVar.count(0),
  // Where the outbox relay LISTENs: the primaries themselves (a pgbouncer in transaction mode
  // cannot keep a LISTEN). Unset: LOMS_PG_PRIMARIES; "off": poll only.
  LOMS_PG_LISTEN: z.string().optional(),
  LOMS_PG_POOL_MAX: envVar.count(10),
  LOMS_PG_PREPARE: z.enum(["true", "false"]).default("true"),
  LOMS_PGLITE_DIR: z.string().default(".run/pglite"),
  LOMS_EVENTS: z.enum(["memory", "kafka"]).default("memory"),
  LOMS_KAFKA_BROKERS: envVar.list("127.0.0.1:9092"),
  LOMS_RELAY_INTERVAL_MS: envVar.count(100),
});

export interface ShardUrls {
  primary: string;
  /** The synchronous replica reads go to; the primary when absent. */
  replica?: string;
}

export interface LomsConfig {
  server: ServerConfig;
  /** Where orders and stocks live (LOMS_STORAGE): memory, pglite (embedded PostgreSQL) or postgres. */
  storage: "memory" | "pglite" | "postgres";
  /** Orders awaiting payment longer than this are cancelled (LOMS_ORDER_TTL_MS, default 10 min). */
  orderTtlMs: number;
  /** How often the expiry job looks for such orders (LOMS_EXPIRY_INTERVAL_MS, default 30 s). */
  expiryIntervalMs: number;
  /**
   * How often the repair job looks for orders a crash left half-way, and for stock reserved for an
   * order that never appeared (LOMS_REPAIR_INTERVAL_MS).
   */
  repairIntervalMs: number;
  /**
   * How old such an order or reservation must be before repair touches it: longer than any live
   * request (LOMS_REPAIR_GRACE_MS).
   */
  repairGraceMs: number;
  postgres: {
    /** Order shards, in shard order (LOMS_PG_PRIMARIES / LOMS_PG_REPLICAS, comma-separated). */
    shards: ShardUrls[];
    /** The shard whose database holds stocks and reservations (LOMS_PG_STOCK_SHARD). */
    stockShard: number;
    poolMax: number;
    /** Server-side prepared statements; false behind pgbouncer (LOMS_PG_PREPARE). */
    prepare: boolean;
    /**
     * Where the outbox relay LISTENs for committed events, one per shard (LOMS_PG_LISTEN; default
     * the primaries; "off" or empty: none, the relay polls every LOMS_RELAY_INTERVAL_MS only).
     */
    listenUrls: string[];
  };
  /** PGlite's data directory, kept across restarts (LOMS_PGLITE_DIR). */
  pgliteDir: string;
  events: {
    /**
     * Where order events go (LOMS_EVENTS): kafka (topic loms.order-events, and the payments topic is
     * consumed), or memory: an in-process bus (to the notifier's handler when the embedded mode runs it).
     */
    transport: "memory" | "kafka";
    /** LOMS_KAFKA_BROKERS, comma-separated host:port. */
    kafkaBrokers: string[];
    /** How often the outbox relay looks for unsent events (LOMS_RELAY_INTERVAL_MS). */
    relayIntervalMs: number;
  };
}

export function loadLomsConfig(env: Record<string, string | undefined> = process.env): LomsConfig {
  const own = parseEnv(lomsEnv, env);
  const primaries = own.LOMS_PG_PRIMARIES;
  const replicas = own.LOMS_PG_REPLICAS;
  if (primaries.length === 0) throw new Error("invalid configuration: LOMS_PG_PRIMARIES: at least one shard");
  if (primaries.length > MAX_SHARDS) {
    // shard 10 would mint ids ending in 0, shard 0's: its orders would be looked up on shard 0
    throw new Error(
      `invalid configuration: LOMS_PG_PRIMARIES: at most ${MAX_SHARDS} shards (an order id keeps its shard in its last decimal digit)`,
    );
  }
  if (replicas.length > 0 && replicas.length !== primaries.length) {
    throw new Error("invalid configuration: LOMS_PG_REPLICAS: one per primary, or none");
  }
  const listen = own.LOMS_PG_LISTEN?.trim();
  const listenUrls =
    listen === undefined
      ? primaries
      : listen === "off" || listen === ""
        ? []
        : listen
            .split(",")
            .map((u) => u.trim())
            .filter(Boolean);
  if (listenUrls.length > 0 && listenUrls.length !== primaries.length) {
    throw new Error("invalid configuration: LOMS_PG_LISTEN: one per primary, or off");
  }
  if (own.LOMS_PG_STOCK_SHARD >= primaries.length) {
    throw new Error("invalid configuration: LOMS_PG_STOCK_SHARD: no such shard");
  }
  const server = parseEnv(serverEnv("LOMS", 8084), env);
  if (server.workers > 1 && own.LOMS_STORAGE !== "postgres") {
    // memory and pglite live inside one process: workers would each have their own orders.
    throw new Error("invalid configuration: WORKERS: more than 1 needs LOMS_STORAGE=postgres");
  }
  return {
    server,
    storage: own.LOMS_STORAGE,
    orderTtlMs: own.LOMS_ORDER_TTL_MS,
    expiryIntervalMs: Math.max(1, own.LOMS_EXPIRY_INTERVAL_MS),
    repairIntervalMs: Math.max(1, own.LOMS_REPAIR_INTERVAL_MS),
    repairGraceMs: own.LOMS_REPAIR_GRACE_MS,
    postgres: {
      shards: primaries.map((primary, i) => ({ primary, replica: replicas[i] })),
      stockShard: own.LOMS_PG_STOCK_SHARD,
      poolMax: Math.max(1, own.LOMS_PG_POOL_MAX),
      prepare: own.LOMS_PG_PREPARE === "true",
      listenUrls,
    },
    pgliteDir: own.LOMS_PGLITE_DIR,
    events: {
      transport: own.LOMS_EVENTS,
      kafkaBrokers: own.LOMS_KAFKA_BROKERS,
      relayIntervalMs: Math.max(1, own.LOMS_RELAY_INTERVAL_MS),
    },
  };
}
