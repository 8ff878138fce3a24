// Reading never turns stored data into a 500: the most extreme rows the storage allows (ids and user
// ids at the ends of int64, counts at the top of uint32, stock far beyond what a uint32 can say,
// timestamps at ±infinity) are planted behind LOMS's back, then read over every protocol of its one
// port — REST gateway (both path forms), Connect JSON, Connect binary, gRPC and gRPC-Web — on the
// memory repositories and on PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { createLogger } from "@route256/platform/logger";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import type { TestPgCluster } from "@route256/testkit/pg-cluster";
import { MemoryOrderRepository } from "../../src/adapters/memory/memory-orders.ts";
import { MemoryStockRepository } from "../../src/adapters/memory/memory-stocks.ts";
import { type LomsStorage, type RunningLoms, startLoms } from "../../src/app.ts";
import { loadLomsConfig } from "../../src/config.ts";
import { type OrderItem, OrderStatus, statusesBefore } from "../../src/domain/order.ts";
import { systemClock } from "../../src/service/ports.ts";
import { CLUSTER_TIMEOUT_MS, rawSql, startCluster } from "../postgres/support.ts";
import { createNew } from "../support/orders.ts";

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const MAX_ITEM_COUNT = 4294967295; // uint32, the contract's count
const silent = createLogger("loms-stored-rows", "silent");
// The background jobs stay out of the way: the planted rows are read exactly as planted.
const quietJobs = { LOMS_PORT: "0", LOMS_EXPIRY_INTERVAL_MS: "3600000", LOMS_REPAIR_INTERVAL_MS: "3600000" };

/** One order as every protocol should answer it (int64 as decimal strings). */
interface Expected {
  id: bigint;
  status: OrderStatus;
  userId: bigint;
  items: readonly OrderItem[];
}

const ORDER_LINES: readonly OrderItem[] = [
  { sku: 1n, count: 1 },
  { sku: INT64_MAX, count: MAX_ITEM_COUNT },
];
const HUGE_STOCK_SKU = INT64_MAX; // more on hand than a uint32 can say: reads as 4294967295
const OVER_RESERVED_SKU = INT64_MAX - 1n; // everything reserved many times over: reads as 0

type Reading = { status: string; userId: string; items: { sku: string; count: number }[] };

/** OrderInfo of one order over every protocol, each answer in one comparable shape. */
async function orderEverywhere(url: string, id: bigint): Promise<Record<string, Reading>> {
  const gateway = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Reading;
  };
  const connectJson = await fetch(`${url}/loms.v1.OrderService/OrderInfo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: String(id) }),
  });
  expect(connectJson.status).toBe(200);
  const readings: Record<string, Reading> = {
    "gateway ?orderId=": await gateway(`/order/info?orderId=${id}`),
    "gateway /{order_id}": await gateway(`/order/info/${id}`),
    // proto3 JSON leaves out fields holding their zero value (user 0 here).
    "Connect JSON": {
      status: "",
      userId: "0",
      items: [],
      ...((await connectJson.json()) as Partial<Reading>),
    },
  };
  for (const [name, transport] of transports(url)) {
    const res = await createClient(OrderService, transport).orderInfo({ orderId: id });
    readings[name] = {
      status: res.status,
      userId: String(res.userId),
      items: res.items.map((i) => ({ sku: String(i.sku), count: i.count })),
    };
  }
  return readings;
}

async function stockEverywhere(url: string, sku: bigint): Promise<Record<string, number>> {
  const readings: Record<string, number> = {};
  for (const path of [`/stock/info?sku=${sku}`, `/stock/info/${sku}`]) {
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(200);
    readings[path] = ((await res.json()) as { count: number }).count;
  }
  for (const [name, transport] of transports(url)) {
    readings[name] = (await createClient(StockService, transport).stocksInfo({ sku })).count;
  }
  return readings;
}

function transports(url: string) {
  return [
    ["Connect binary", createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true })],
    ["gRPC", createGrpcTransport({ baseUrl: url })],
    ["gRPC-Web", createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
  ] as const;
}

function expectEverywhere(readings: Record<string, Reading>, order: Expected) {
  const expected = {
    status: order.status,
    userId: String(order.userId),
    items: order.items.map((i) => ({ sku: String(i.sku), count: i.count })),
  };
  for (const [protocol, reading] of Object.entries(readings)) {
    expect({ protocol, ...reading }).toEqual({ protocol, ...expected });
  }
}

function storedRowsSuite(start: () => Promise<{ url: string; orders: Expected[] }>) {
  let url: string;
  let orders: Expected[];
  beforeAll(async () => {
    ({ url, orders } = await start());
  }, CLUSTER_TIMEOUT_MS);

  test("every planted order reads the same over every protocol", async () => {
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders) expectEverywhere(await orderEverywhere(url, order.id), order);
  });

  test("stock beyond the uint32 count reads as 4294967295; reserved beyond on-hand reads as 0", async () => {
    for (const reading of Object.values(await stockEverywhere(url, HUGE_STOCK_SKU))) {
      expect(reading).toBe(MAX_ITEM_COUNT);
    }
    for (const reading of Object.values(await stockEverywhere(url, OVER_RESERVED_SKU))) {
      expect(reading).toBe(0);
    }
  });
}

describe("memory repositories", () => {
  let loms: RunningLoms;
  afterAll(() => loms?.close());

  storedRowsSuite(async () => {
    const orders = new MemoryOrderRepository();
    const stocks = new MemoryStockRepository([
      { sku: HUGE_STOCK_SKU, totalCount: Number.MAX_SAFE_INTEGER, reserved: 0 },
      { sku: OVER_RESERVED_SKU, totalCount: 0, reserved: Number.MAX_SAFE_INTEGER },
    ]);
    const planted: Expected[] = [];
    const plant = async (userId: bigint, path: readonly OrderStatus[]) => {
      const now = new Date(8.64e15); // the last instant a Date can hold
      const order = await createNew(orders, userId, ORDER_LINES, now);
      for (const to of path) await orders.changeStatus(order.id, statusesBefore(to), to, now);
      planted.push({ id: order.id, status: path.at(-1) ?? OrderStatus.New, userId, items: ORDER_LINES });
    };
    await plant(INT64_MIN, [OrderStatus.AwaitingPayment, OrderStatus.Paid]);
    await plant(INT64_MAX, [OrderStatus.Failed]);
    await plant(0n, [OrderStatus.AwaitingPayment, OrderStatus.Cancelled]);
    await plant(-1n, []);
    const storage: LomsStorage = {
      deps: { orders, stocks, clock: systemClock },
      outbox: orders,
      ready: async () => true,
      close: async () => {},
    };
    loms = await startLoms(loadLomsConfig(quietJobs), { logger: silent, storage });
    return { url: loms.server.url, orders: planted };
  });
});

describe("PostgreSQL", () => {
  let cluster: TestPgCluster;
  let loms: RunningLoms;
  afterAll(async () => {
    await loms?.close();
    await cluster?.destroy();
  });

  storedRowsSuite(async () => {
    cluster = await startCluster();
    loms = await startLoms(
      loadLomsConfig({
        ...quietJobs,
        LOMS_STORAGE: "postgres",
        LOMS_PG_PRIMARIES: cluster.shards.map((s) => s.primary).join(","),
        LOMS_PG_REPLICAS: cluster.shards.map((s) => s.replica).join(","),
      }),
      { logger: silent },
    ); // migrations applied: the schema the rows must satisfy
    const planted: Expected[] = [];
    const statuses = Object.values(OrderStatus);
    for (const [shard, { primary }] of cluster.shards.entries()) {
      const sql = rawSql(primary);
      try {
        if (shard === 0) {
          await sql`INSERT INTO stocks (sku, total_count, reserved) VALUES
            (${HUGE_STOCK_SKU}, ${INT64_MAX}, 0), (${OVER_RESERVED_SKU}, 0, ${INT64_MAX})`;
        }
        // Ids at the top of int64 that still name this shard, one order per status.
        const top = INT64_MAX - (INT64_MAX % 10n) - 10n + BigInt(shard);
        for (const [i, status] of statuses.entries()) {
          const id = top - BigInt(i) * 10n;
          const userId = i % 2 === 0 ? INT64_MIN : INT64_MAX;
          await sql`INSERT INTO orders (id, user_id, status, created_at, updated_at, version, verified)
            VALUES (${id}, ${userId}, ${status}, '-infinity', 'infinity', 2147483647, true)`;
          for (const { sku, count } of ORDER_LINES) {
            await sql`INSERT INTO order_items (order_id, sku, count) VALUES (${id}, ${sku}, ${count})`;
          }
          planted.push({ id, status, userId, items: ORDER_LINES });
        }
        // The schema itself refuses a line the contract could not carry.
        const over = sql`INSERT INTO order_items (order_id, sku, count) VALUES (${top}, 2, ${MAX_ITEM_COUNT + 1})`;
        expect(over).rejects.toThrow("order_items_count_uint32");
        await over.catch(() => {});
      } finally {
        await sql.end();
      }
    }
    return { url: loms.server.url, orders: planted };
  });
});
