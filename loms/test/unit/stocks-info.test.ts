import { describe, expect, test } from "bun:test";
import { rejectionOf } from "@route256/testkit/helpers";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { StockNotFoundError } from "../../src/domain/errors.ts";
import { availableOf } from "../../src/domain/stock.ts";
import { stocksInfo } from "../../src/service/stocks-info.ts";
import { memoryLoms } from "../support/loms.ts";

describe("stocksInfo", () => {
  test.each([
    [1076963n, 265],
    [139275865n, 65534],
    [2956315n, 270],
    [135717466n, 80],
    [135937324n, 270],
    [1625903n, 10000],
    [1148162n, 300],
    [139819069n, 0],
    [139818428n, 0],
    [30816475n, 300],
  ])("fixture sku %p has %p available", async (sku, count) => {
    expect(await stocksInfo(memoryLoms().deps, sku)).toBe(count);
  });

  test("every fixture sku reads total − reserved, never negative", async () => {
    const loms = memoryLoms();
    expect(STOCK_FIXTURE).toHaveLength(16);
    for (const row of STOCK_FIXTURE) {
      const count = await stocksInfo(loms.deps, row.sku);
      expect(count).toBe(availableOf(row));
      expect(count).toBeGreaterThanOrEqual(0);
    }
  });

  test.each([404n, 999999n, 1076963000n, 9223372036854775807n])(
    "unknown sku %p is StockNotFoundError (not_found)",
    async (sku) => {
      const err = await rejectionOf(stocksInfo(memoryLoms().deps, sku));
      expect(err).toBeInstanceOf(StockNotFoundError);
      expect((err as StockNotFoundError).kind).toBe("not_found");
      expect((err as StockNotFoundError).sku).toBe(sku);
      expect((err as Error).message).toContain(String(sku));
    },
  );
});
