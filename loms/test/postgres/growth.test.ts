// Growing the order shards from 2 to 3 on real PostgreSQL (primary + synchronous replica per shard), as a
// deployment does it: LOMS runs on shards 0 and 1, is stopped, and starts again with a third primary and
// replica appended to LOMS_PG_PRIMARIES / LOMS_PG_REPLICAS (the new database is empty; LOMS migrates it).
// Every order made before is still found and served — info, pay, cancel, the repair and expiry jobs, the
// outbox relay — and new orders spread over all three shards. Nothing is moved: an order id names its
// shard in its last digit, whatever the shard count (loms/src/adapters/postgres/sharding.ts).
import { describe, expect, test } from "bun:test";
import { startPgCluster } from "@route256/testkit/pg-cluster";
import type { SpawnedService } from "@route256/testkit/spawn-service";
import {
  invariantViolations,
  type LomsClients,
  lomsClients,
  lomsOnCluster,
  type RawSql,
  readDbState,
  waitFor,
  withPrimaries,
} from "./support.ts";

// three shards' servers from the start; the first LOMS is only told about two of them
const pg = lomsOnCluster(() => startPgCluster({ shards: 3, sync: true }));

/** LOMS on the first `shards` shards; its jobs look often, repair touches orders older than 500 ms. */
async function startLoms(shards: number): Promise<{ loms: SpawnedService; client: LomsClients }> {
  const loms = await pg.startLoms(
    { LOMS_REPAIR_GRACE_MS: "500", LOMS_REPAIR_INTERVAL_MS: "200", LOMS_EXPIRY_INTERVAL_MS: "200" },
    shards,
  );
  return { loms, client: lomsClients(loms.url) };
}

const SKU = 1625903n; // 10,000 in stock: no create is refused
const shardOf = (id: bigint) => Number(id % 10n);
const statusOf = async (client: LomsClients, orderId: bigint) =>
  (await client.orders.orderInfo({ orderId })).status;

/** An order a crash left in "new" before anything was reserved, made on shard `shard` the way LOMS makes ids. */
async function insertHalfMadeOrder(sql: RawSql, shard: number, userId: bigint): Promise<bigint> {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO orders (id, user_id, status, created_at, updated_at)
    VALUES (nextval('order_id_seq') * 10 + ${shard}, ${userId}, 'new', now() - interval '1 hour', now() - interval '1 hour')
    RETURNING id`;
  const id = (row as { id: bigint }).id;
  await sql`INSERT INTO order_items (order_id, sku, count) VALUES (${id}, ${SKU}, 1)`;
  return id;
}

describe("growing from 2 to 3 order shards", () => {
  test("orders made on 2 shards are found and served by LOMS on 3; new orders spread over all 3", async () => {
    // ---- LOMS on shards 0 and 1 -------------------------------------------------------------------------
    const first = await startLoms(2);
    const old: bigint[] = [];
    for (let i = 0; i < 8; i++) {
      old.push(
        (await first.client.orders.orderCreate({ userId: BigInt(100 + i), items: [{ sku: SKU, count: 1 }] }))
          .orderId,
      );
    }
    expect(old.map(shardOf)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]); // round-robin over the two
    const [toPay0, toPay1, toCancel0, toCancel1, toExpire0, toExpire1, paidBefore, cancelledBefore] = old as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    await first.client.orders.orderPay({ orderId: paidBefore });
    await first.client.orders.orderCancel({ orderId: cancelledBefore });
    expect(await first.loms.stop()).toBe(0);

    // What the new LOMS will find to do on the old shards: two orders past their TTL (as if they had
    // waited an hour), and on each old shard an order a crash left half-made.
    const halfMade = await withPrimaries(pg.cluster, async ([s0, s1]) => {
      for (const [sql, id] of [
        [s0, toExpire0],
        [s1, toExpire1],
      ] as const) {
        await (sql as RawSql)`UPDATE orders SET updated_at = now() - interval '1 hour' WHERE id = ${id}`;
      }
      return [
        await insertHalfMadeOrder(s0 as RawSql, 0, 900n),
        await insertHalfMadeOrder(s1 as RawSql, 1, 901n),
      ];
    });
    // the third shard is an empty database so far: no tables, no orders
    const newShardTables = await withPrimaries(
      pg.cluster,
      async (p) =>
        (await (p[2] as RawSql)`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'orders'`)[0]?.n,
    );
    expect(newShardTables).toBe(0);

    // ---- the same databases, and a third shard appended -----------------------------------------------
    const second = await startLoms(3);
    const client = second.client;
    expect(await statusOf(client, paidBefore)).toBe("paid");
    expect(await statusOf(client, cancelledBefore)).toBe("cancelled");
    for (const id of [toPay0, toPay1, toCancel0, toCancel1])
      expect(await statusOf(client, id)).toBe("awaiting payment");
    await client.orders.orderPay({ orderId: toPay0 });
    await client.orders.orderPay({ orderId: toPay1 });
    await client.orders.orderCancel({ orderId: toCancel0 });
    await client.orders.orderCancel({ orderId: toCancel1 });
    for (const id of [toPay0, toPay1]) expect(await statusOf(client, id)).toBe("paid");
    for (const id of [toCancel0, toCancel1]) expect(await statusOf(client, id)).toBe("cancelled");

    // the expiry job cancels the old shards' stale orders, the repair job settles the half-made ones
    const settled = async (ids: bigint[], status: string) =>
      waitFor(
        `orders ${ids.join(", ")} to become ${status}`,
        async () =>
          (await Promise.all(ids.map((id) => statusOf(client, id)))).every((s) => s === status)
            ? true
            : undefined,
        15_000,
      );
    await settled([toExpire0, toExpire1], "cancelled");
    await settled(halfMade, "failed");

    // new orders: round-robin over all three shards, each stored where its id says
    const fresh: bigint[] = [];
    for (let i = 0; i < 9; i++) {
      fresh.push(
        (await client.orders.orderCreate({ userId: BigInt(200 + i), items: [{ sku: SKU, count: 1 }] }))
          .orderId,
      );
    }
    expect(fresh.map(shardOf).sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const onShard2 = fresh.filter((id) => shardOf(id) === 2);
    await client.orders.orderPay({ orderId: onShard2[0] as bigint });
    expect(await statusOf(client, onShard2[0] as bigint)).toBe("paid");
    // ids stay unique across shards: no id made before the growth was made again
    expect(new Set([...old, ...halfMade, ...fresh]).size).toBe(old.length + halfMade.length + fresh.length);

    // the outbox relay drains every shard's events, the new shard's and the old ones' alike
    const outbox = await waitFor(
      "every shard's outbox to be relayed",
      () =>
        withPrimaries(pg.cluster, async (primaries) => {
          const perShard = await Promise.all(
            primaries.map(
              async (sql) =>
                (
                  await sql<{ total: number; unsent: number }[]>`
                    SELECT count(*)::int AS total, count(*) FILTER (WHERE sent_at IS NULL)::int AS unsent FROM outbox`
                )[0] as { total: number; unsent: number },
            ),
          );
          return perShard.every((s) => s.unsent === 0) ? perShard : undefined;
        }),
      15_000,
      200,
    );
    for (const [shard, s] of outbox.entries())
      expect({ shard, hasEvents: s.total > 0 }).toEqual({ shard, hasEvents: true });

    // and the databases hold SPEC's invariants over all three shards: stock moved exactly once per
    // paid, reserved, cancelled or failed order, every order on the shard its id names
    const state = await readDbState(pg.cluster);
    expect(invariantViolations(state)).toEqual([]);
    expect(state.orders.length).toBe(old.length + halfMade.length + fresh.length);
    expect(await second.loms.stop()).toBe(0);
  }, 120_000);
});
