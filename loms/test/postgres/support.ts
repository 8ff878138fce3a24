// Shared helpers of the PostgreSQL tests: a throwaway cluster, storages opened on it, LOMS started as a
// process on it (one that can be killed with SIGKILL too), and the SPEC invariants checked straight
// from the databases.
import { afterAll, beforeAll } from "bun:test";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createLogger } from "@route256/platform/logger";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { startPgCluster, type TestPgCluster } from "@route256/testkit/pg-cluster";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import postgres from "postgres";
import type { Registry } from "prom-client";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { openPostgresStorage, type PostgresStorage } from "../../src/adapters/postgres/storage.ts";
import type { OrderStatus } from "../../src/domain/order.ts";
import type { ReservationState, Stock } from "../../src/domain/stock.ts";
import { type Clock, systemClock } from "../../src/service/ports.ts";

export const FIXTURE: readonly Stock[] = STOCK_FIXTURE;
export const silentLogger = createLogger("loms-pg-test", "silent");

/** Hook timeouts: a cluster or a process start on a loaded 2-core machine. */
export const CLUSTER_TIMEOUT_MS = 90_000;

/**
 * A fresh 2-shard cluster (primary + synchronous replica each). Never skipped: when PostgreSQL is
 * missing this throws with the script's output and every test of the file fails.
 */
export async function startCluster(): Promise<TestPgCluster> {
  return startPgCluster({ shards: 2, sync: true });
}

/** LOMS's own storage on the cluster, stocks on shard 0 — what `LOMS_STORAGE=postgres` opens. */
export function openStorage(
  cluster: TestPgCluster,
  opts: { clock?: Clock; poolMax?: number; registry?: Registry } = {},
): Promise<PostgresStorage> {
  return openPostgresStorage({
    shards: cluster.shards.map((s) => ({ primary: s.primary, replica: s.replica })),
    stockShard: 0,
    pool: { max: opts.poolMax ?? 5, prepare: true },
    clock: opts.clock ?? systemClock,
    logger: silentLogger,
    ...(opts.registry ? { registry: opts.registry } : {}),
  });
}

export type RawSql = postgres.Sql<{ bigint: bigint }>;

/** A plain postgres.js pool for looking at a database behind LOMS's back (int8 as bigint). */
export function rawSql(url: string, max = 2): RawSql {
  return postgres(url, {
    max,
    types: { bigint: postgres.BigInt },
    onnotice: () => {},
    connect_timeout: 5,
    connection: { application_name: "loms-test" },
  }) as unknown as RawSql;
}

/** Runs `use` with raw pools on every primary, closed afterwards. */
export async function withPrimaries<T>(
  cluster: TestPgCluster,
  use: (primaries: RawSql[]) => Promise<T>,
): Promise<T> {
  const pools = cluster.shards.map((s) => rawSql(s.primary));
  try {
    return await use(pools);
  } finally {
    await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
  }
}

/**
 * Sessions LOMS (application_name "loms") still has on the primaries. After a LOMS process dies, its
 * sessions live on until PostgreSQL notices: a statement in flight — a COMMIT waiting for the
 * synchronous replica included — runs to its end first. Only when this is 0 does the database show
 * all that the dead process will ever have done.
 */
export async function lomsSessions(cluster: TestPgCluster): Promise<number> {
  return withPrimaries(cluster, async (primaries) => {
    let n = 0;
    for (const sql of primaries) {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'loms'`;
      n += row?.n ?? 0;
    }
    return n;
  });
}

export interface StockRow {
  readonly totalCount: number;
  readonly reserved: number;
}

export async function readStocks(sql: RawSql): Promise<Map<bigint, StockRow>> {
  const rows = await sql<{ sku: bigint; total_count: bigint; reserved: bigint }[]>`
    SELECT sku, total_count, reserved FROM stocks ORDER BY sku`;
  return new Map(
    rows.map((r) => [r.sku, { totalCount: Number(r.total_count), reserved: Number(r.reserved) }]),
  );
}

export function fixtureOf(sku: bigint): Stock {
  const row = FIXTURE.find((s) => s.sku === sku);
  if (!row) throw new Error(`sku ${sku} is not in the fixture`);
  return row;
}

export const availableIn = (row: StockRow | undefined) =>
  row ? Math.max(0, row.totalCount - row.reserved) : undefined;

export interface DbOrder {
  readonly id: bigint;
  readonly shard: number;
  readonly status: OrderStatus;
  readonly items: readonly { sku: bigint; count: number }[];
}

export interface DbReservation {
  readonly state: ReservationState;
  readonly items: readonly { sku: bigint; count: number }[];
}

/** Everything the invariants are about, read from the primaries. */
export interface DbState {
  readonly stocks: Map<bigint, StockRow>;
  readonly orders: DbOrder[];
  readonly reservations: Map<bigint, DbReservation>;
}

export async function readDbState(cluster: TestPgCluster, stockShard = 0): Promise<DbState> {
  return withPrimaries(cluster, async (primaries) => {
    const orders: DbOrder[] = [];
    for (const [shard, sql] of primaries.entries()) {
      const rows = await sql<
        { id: bigint; status: string; skus: bigint[] | null; counts: number[] | null }[]
      >`
        SELECT orders.id, orders.status,
               array_agg(order_items.sku ORDER BY order_items.sku) FILTER (WHERE order_items.sku IS NOT NULL) AS skus,
               array_agg(order_items.count ORDER BY order_items.sku) FILTER (WHERE order_items.sku IS NOT NULL) AS counts
        FROM orders LEFT JOIN order_items ON order_items.order_id = orders.id
        GROUP BY orders.id ORDER BY orders.id`;
      for (const r of rows) {
        const skus = (r.skus ?? []).map((s) => BigInt(s));
        const counts = (r.counts ?? []).map(Number);
        orders.push({
          id: r.id,
          shard,
          status: r.status as OrderStatus,
          items: skus.map((sku, i) => ({ sku, count: counts[i] ?? 0 })),
        });
      }
    }
    const stockDb = primaries[stockShard] as RawSql;
    const stocks = await readStocks(stockDb);
    const reservations = new Map<bigint, DbReservation>();
    const rows = await stockDb<
      { order_id: bigint; state: string; sku: bigint | null; count: number | null }[]
    >`
      SELECT reservations.order_id, reservations.state, reservation_items.sku, reservation_items.count
      FROM reservations LEFT JOIN reservation_items USING (order_id)
      ORDER BY reservations.order_id, reservation_items.sku`;
    for (const r of rows) {
      const prev = reservations.get(r.order_id);
      const items = prev ? [...prev.items] : [];
      if (r.sku !== null && r.count !== null) items.push({ sku: r.sku, count: Number(r.count) });
      reservations.set(r.order_id, { state: r.state as ReservationState, items });
    }
    return { stocks, orders, reservations };
  });
}

/** Units per sku of the orders in the given statuses. */
export function unitsOf(orders: readonly DbOrder[], statuses: readonly OrderStatus[]): Map<bigint, number> {
  const units = new Map<bigint, number>();
  for (const o of orders) {
    if (!statuses.includes(o.status)) continue;
    for (const { sku, count } of o.items) units.set(sku, (units.get(sku) ?? 0) + count);
  }
  return units;
}

const sameItems = (a: DbReservation["items"], b: DbOrder["items"]) =>
  a.length === b.length && a.every((x, i) => x.sku === b[i]?.sku && x.count === b[i]?.count);

/**
 * SPEC's invariants over the whole history of the databases, as readable violations (none = all hold):
 * per sku total_count = fixture total − units of paid orders and reserved = fixture reserved + units
 * of orders awaiting payment; no order left in "new"; every order's reservation record agrees with
 * its status (awaiting payment ↔ reserved, paid ↔ sold, cancelled ↔ released, failed ↔ none or
 * released) and holds exactly the order's items; no reservation without an order, unless released
 * (OrderCreate reserves before it writes the order: one that died in between left stock reserved
 * under an id no order got, which the repair job released).
 */
export function invariantViolations(state: DbState): string[] {
  const out: string[] = [];
  const paid = unitsOf(state.orders, ["paid"]);
  const awaiting = unitsOf(state.orders, ["awaiting payment"]);
  for (const fx of FIXTURE) {
    const row = state.stocks.get(fx.sku);
    if (!row) {
      out.push(`sku ${fx.sku}: no stock row`);
      continue;
    }
    const total = fx.totalCount - (paid.get(fx.sku) ?? 0);
    const reserved = fx.reserved + (awaiting.get(fx.sku) ?? 0);
    if (row.totalCount !== total)
      out.push(`sku ${fx.sku}: total_count ${row.totalCount}, expected ${total} (fixture − paid)`);
    if (row.reserved !== reserved)
      out.push(`sku ${fx.sku}: reserved ${row.reserved}, expected ${reserved} (fixture + awaiting payment)`);
  }
  if (state.stocks.size !== FIXTURE.length)
    out.push(`${state.stocks.size} stock rows, expected ${FIXTURE.length}`);
  const expectedState: Record<OrderStatus, readonly (ReservationState | undefined)[]> = {
    new: [],
    "awaiting payment": ["reserved"],
    paid: ["sold"],
    cancelled: ["released"],
    failed: [undefined, "released"],
  };
  const ids = new Set<bigint>();
  for (const o of state.orders) {
    ids.add(o.id);
    if (o.id % 10n !== BigInt(o.shard)) out.push(`order ${o.id} lives on shard ${o.shard}`);
    if (o.items.length === 0) out.push(`order ${o.id} has no items`);
    const r = state.reservations.get(o.id);
    if (o.status === "new") {
      out.push(`order ${o.id} left in "new" (reservation ${r?.state ?? "none"})`);
      continue;
    }
    if (!expectedState[o.status].includes(r?.state))
      out.push(`order ${o.id} is ${o.status} but its reservation is ${r?.state ?? "absent"}`);
    if (r && (r.state !== "released" || r.items.length > 0) && !sameItems(r.items, o.items))
      out.push(`order ${o.id}: reserved items differ from its items`);
  }
  for (const [id, r] of state.reservations)
    if (!ids.has(id) && r.state !== "released")
      out.push(`reservation of order ${id} that exists on no shard is ${r.state}`);
  return out;
}

/** Ids holding reserved stock with no order on any shard: what an OrderCreate dying between its commits leaves. */
export function orphanedReservations(state: DbState): bigint[] {
  const ids = new Set(state.orders.map((o) => o.id));
  return [...state.reservations]
    .filter(([id, r]) => r.state === "reserved" && !ids.has(id))
    .map(([id]) => id);
}

export function countByStatus(orders: readonly DbOrder[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of orders) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

/** Polls `probe` until it returns a value other than undefined; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

// ---- LOMS as a process -------------------------------------------------------------------------

/** The environment that points LOMS at the cluster's shards (stocks on shard 0). */
export function lomsEnv(
  cluster: Pick<TestPgCluster, "shards">,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    LOMS_STORAGE: "postgres",
    LOMS_PG_PRIMARIES: cluster.shards.map((s) => s.primary).join(","),
    LOMS_PG_REPLICAS: cluster.shards.map((s) => s.replica).join(","),
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/**
 * A cluster for the whole test file (started in beforeAll) and LOMS processes on it: everything is torn
 * down after the file, LOMS with SIGKILL (a test stops the ones it wants stopped gracefully itself).
 */
export function lomsOnCluster(start: () => Promise<TestPgCluster> = startCluster) {
  let cluster: TestPgCluster | undefined;
  const started: SpawnedService[] = [];
  beforeAll(async () => {
    cluster = await start();
  }, CLUSTER_TIMEOUT_MS);
  afterAll(async () => {
    for (const s of started) s.kill("SIGKILL");
    await Promise.all(started.map((s) => s.exited));
    await cluster?.destroy();
  }, CLUSTER_TIMEOUT_MS);
  const get = (): TestPgCluster => {
    if (!cluster) throw new Error("the cluster is not started yet (it starts in beforeAll)");
    return cluster;
  };
  return {
    get cluster() {
      return get();
    },
    /** LOMS as a process on the cluster's first `shards` shards (all of them by default). */
    async startLoms(extra: Record<string, string> = {}, shards?: number): Promise<SpawnedService> {
      const c = get();
      const loms = await spawnService("loms/src/main.ts", {
        portEnv: "LOMS_PORT",
        env: lomsEnv({ shards: c.shards.slice(0, shards ?? c.shards.length) }, extra),
        timeoutMs: 60_000,
      });
      started.push(loms);
      return loms;
    },
  };
}

export interface LomsClients {
  readonly orders: Client<typeof OrderService>;
  readonly stocks: Client<typeof StockService>;
}

/** Generated clients over native gRPC (h2c), one HTTP/2 session for both. */
export function lomsClients(baseUrl: string): LomsClients {
  const transport = createGrpcTransport({ baseUrl });
  return { orders: createClient(OrderService, transport), stocks: createClient(StockService, transport) };
}

/**
 * Whether a client error means "the server went away" (killed mid-request, or not listening): the
 * transport reports these as unavailable, or as internal/unknown/canceled with a socket message.
 */
export function isConnectionError(err: unknown): boolean {
  const e = ConnectError.from(err);
  if (e.code === Code.Unavailable) return true;
  const text = `${e.rawMessage} ${String((e.cause as Error | undefined)?.message ?? "")}`;
  return (
    [Code.Internal, Code.Unknown, Code.Canceled, Code.Aborted].includes(e.code) &&
    /ECONNRESET|ECONNREFUSED|EPIPE|socket|closed|GOAWAY|session|stream|connection/i.test(text)
  );
}
