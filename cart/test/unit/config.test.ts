import { describe, expect, test } from "bun:test";
import { loadCartConfig } from "../../src/config.ts";

describe("loadCartConfig", () => {
  test("defaults: :8080, memory storage, local LOMS and products over Connect, token testToken", () => {
    expect(loadCartConfig({})).toEqual({
      server: {
        host: "127.0.0.1",
        port: 8080,
        logLevel: "info",
        shutdownGraceMs: 10_000,
        http: {
          requestTimeoutMs: 10_000,
          idleTimeoutMs: 60_000,
          maxConnections: 4_096,
          maxBodyBytes: 4_194_304,
        },
      },
      storage: "memory",
      redisUrl: "redis://127.0.0.1:6379",
      lomsUrl: "http://127.0.0.1:8084",
      productsUrl: "http://127.0.0.1:8082",
      productsProtocol: "connect",
      productsToken: "testToken",
      productsRps: 10,
      productsRetries: 3,
      productCacheTtlMs: 300_000,
      listConcurrency: 10,
    });
  });

  test("reads every CART_* variable", () => {
    const c = loadCartConfig({
      CART_HOST: "0.0.0.0",
      CART_PORT: "9080",
      LOG_LEVEL: "silent",
      CART_STORAGE: "redis",
      CART_REDIS_URL: "redis://cache:6380",
      CART_LOMS_URL: "http://loms:8084",
      CART_PRODUCTS_URL: "http://products:8082",
      CART_PRODUCTS_PROTOCOL: "rest",
      CART_PRODUCTS_TOKEN: "secret",
      CART_PRODUCTS_RPS: "25",
      CART_PRODUCTS_RETRIES: "0",
      CART_PRODUCT_CACHE_TTL_MS: "1500",
      CART_LIST_CONCURRENCY: "4",
    });
    expect(c).toMatchObject({
      server: { host: "0.0.0.0", port: 9080, logLevel: "silent" },
      storage: "redis",
      redisUrl: "redis://cache:6380",
      lomsUrl: "http://loms:8084",
      productsUrl: "http://products:8082",
      productsProtocol: "rest",
      productsToken: "secret",
      productsRps: 25,
      productsRetries: 0,
      productCacheTtlMs: 1500,
      listConcurrency: 4,
    });
  });

  test("empty variables count as unset", () => {
    expect(loadCartConfig({ CART_LIST_CONCURRENCY: "", CART_PRODUCTS_RPS: " " })).toMatchObject({
      listConcurrency: 10,
      productsRps: 10,
    });
  });

  test("zero rps, ttl and concurrency are raised to 1 so nothing divides by zero or stalls", () => {
    expect(
      loadCartConfig({ CART_PRODUCTS_RPS: "0", CART_PRODUCT_CACHE_TTL_MS: "0", CART_LIST_CONCURRENCY: "0" }),
    ).toMatchObject({ productsRps: 1, productCacheTtlMs: 1, listConcurrency: 1 });
  });

  test.each([
    ["CART_LIST_CONCURRENCY", "ten"],
    ["CART_PRODUCTS_RPS", "-1"],
    ["CART_PRODUCTS_RETRIES", "1e3"],
    ["CART_STORAGE", "postgres"],
    ["CART_PRODUCTS_PROTOCOL", "soap"],
    ["CART_LOMS_URL", "not a url"],
    ["CART_PRODUCTS_URL", "products"],
    ["CART_PORT", "70000"],
  ])("a bad %s (%p) fails naming the variable", (name, value) => {
    expect(() => loadCartConfig({ [name]: value })).toThrow(new RegExp(`invalid configuration: .*${name}`));
  });

  test("every bad variable is named at once", () => {
    expect(() => loadCartConfig({ CART_STORAGE: "x", CART_LIST_CONCURRENCY: "y" })).toThrow(
      /CART_STORAGE.*CART_LIST_CONCURRENCY|CART_LIST_CONCURRENCY.*CART_STORAGE/,
    );
  });
});
