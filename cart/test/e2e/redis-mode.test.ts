// cart with CART_STORAGE=redis against a real redis-server: two instances share carts (as behind a
// load balancer), and a restarted instance still finds them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";

let redis: TestRedis;
let products: SpawnedService;
let loms: SpawnedService;
let env: Record<string, string>;
const carts: SpawnedService[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [products, loms] = await Promise.all([
    spawnService("products/src/main.ts", { portEnv: "PRODUCTS_PORT" }),
    spawnService("loms/src/main.ts", { portEnv: "LOMS_PORT" }),
  ]);
  env = {
    CART_STORAGE: "redis",
    CART_REDIS_URL: redis.url,
    CART_PRODUCTS_URL: products.url,
    CART_LOMS_URL: loms.url,
  };
  carts.push(
    ...(await Promise.all([
      spawnService("cart/src/main.ts", { portEnv: "CART_PORT", env }),
      spawnService("cart/src/main.ts", { portEnv: "CART_PORT", env }),
    ])),
  );
});
afterAll(async () => {
  await Promise.all([...carts.map((c) => c.stop()), products.stop(), loms.stop()]);
  await redis.stop();
});

const at = (i: number) => carts[i]?.url as string;

describe("cart on Redis", () => {
  test("an item added through one instance is listed and checked out through another", async () => {
    expect(
      (await fetch(`${at(0)}/user/501/cart/1076963`, { method: "POST", body: '{"count":2}' })).status,
    ).toBe(200);
    expect(
      (await fetch(`${at(1)}/user/501/cart/1076963`, { method: "POST", body: '{"count":1}' })).status,
    ).toBe(200);
    const list = (await (await fetch(`${at(1)}/user/501/cart`)).json()) as { items: { count: number }[] };
    expect(list.items).toMatchObject([{ sku: 1076963, count: 3 }]);
    expect((await fetch(`${at(1)}/checkout/501`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${at(0)}/user/501/cart`)).status).toBe(404);
  });

  test("carts survive a restart of the instance that wrote them", async () => {
    expect(
      (await fetch(`${at(0)}/user/502/cart/1148162`, { method: "POST", body: '{"count":1}' })).status,
    ).toBe(200);
    expect(await carts[0]?.stop()).toBe(0);
    carts[0] = await spawnService("cart/src/main.ts", { portEnv: "CART_PORT", env });
    const list = (await (await fetch(`${at(0)}/user/502/cart`)).json()) as { items: unknown[] };
    expect(list.items).toMatchObject([{ sku: 1148162, count: 1 }]);
  });

  test("concurrent adds through both instances never exceed LOMS stock", async () => {
    const stock = ((await (await fetch(`${loms.url}/stock/info?sku=2618151`)).json()) as { count: number })
      .count;
    const adds = await Promise.all(
      Array.from({ length: stock + 20 }, (_, i) =>
        fetch(`${at(i % 2)}/user/503/cart/2618151`, { method: "POST", body: '{"count":1}' }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(adds.filter((s) => s === 200)).toHaveLength(stock);
    expect(adds.filter((s) => s === 412)).toHaveLength(20);
    const list = (await (await fetch(`${at(0)}/user/503/cart`)).json()) as { items: { count: number }[] };
    expect(list.items[0]?.count).toBe(stock);
  });
});
