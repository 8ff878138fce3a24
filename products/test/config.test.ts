import { describe, expect, test } from "bun:test";
import { loadProductsConfig } from "../src/config.ts";

describe("loadProductsConfig", () => {
  test("defaults: :8082 on loopback, testToken, no latency, no cap", () => {
    const c = loadProductsConfig({});
    expect(c.server.port).toBe(8082);
    expect(c.server.host).toBe("127.0.0.1");
    expect(c.tokens).toEqual(["testToken"]);
    expect(c.latencyMs).toBe(0);
    expect(c.rpsLimit).toBe(0);
  });

  test("reads PRODUCTS_* variables", () => {
    const c = loadProductsConfig({
      PRODUCTS_PORT: "9000",
      PRODUCTS_TOKENS: "a, b",
      PRODUCTS_LATENCY_MS: "600",
      PRODUCTS_RPS_LIMIT: "10",
    });
    expect(c.server.port).toBe(9000);
    expect(c.tokens).toEqual(["a", "b"]);
    expect(c.latencyMs).toBe(600);
    expect(c.rpsLimit).toBe(10);
  });

  test("a bad value fails start-up naming the variable", () => {
    expect(() => loadProductsConfig({ PRODUCTS_LATENCY_MS: "soon" })).toThrow("PRODUCTS_LATENCY_MS");
    expect(() => loadProductsConfig({ PRODUCTS_PORT: "70000" })).toThrow("PRODUCTS_PORT");
  });
});

describe("WORKERS", () => {
  test("more than 1 with an RPS cap is refused: the cap is counted per process", () => {
    expect(() => loadProductsConfig({ WORKERS: "2", PRODUCTS_RPS_LIMIT: "10" })).toThrow(
      "WORKERS: more than 1 cannot keep PRODUCTS_RPS_LIMIT per service",
    );
    expect(loadProductsConfig({ WORKERS: "2" }).server.workers).toBe(2);
  });
});
