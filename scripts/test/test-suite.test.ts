import { describe, expect, test } from "bun:test";
import { suiteOf } from "../test-suite.ts";

describe("suiteOf: a test's folder decides its half", () => {
  test.each([
    "cart/test/integration/redis-carts.test.ts",
    "cart/test/e2e/rest.test.ts",
    "loms/test/postgres/crash.test.ts",
    "loms/test/kafka/events.test.ts",
    "platform/test/integration/kafka.test.ts",
    "testkit/test/integration/pg-cluster.test.ts",
    "deploy/test/helm.test.ts",
    "http/test/http-files.test.ts",
    "products/test/e2e.test.ts",
    "scripts/test/e2e/readme.test.ts",
  ])("%s is an integration test", (file) => {
    expect(suiteOf(file)).toBe("integration");
  });

  test.each([
    "cart/test/unit/add-item.test.ts",
    "loms/test/concurrency/crash.test.ts",
    "loms/test/in-process.test.ts",
    "platform/test/one-port.test.ts",
    "platform/test/ratelimit/local-limiter.test.ts",
    "scripts/test/imports.test.ts",
    "products/test/e2e-like.test.ts",
    "notifier/test/unit/kafka-message.test.ts",
  ])("%s is a unit test", (file) => {
    expect(suiteOf(file)).toBe("unit");
  });
});
