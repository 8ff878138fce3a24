import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { startExpiryJob } from "../../src/jobs/expiry-job.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { awaitingOrder, flush, memoryLoms, type TestLoms, waitUntil } from "../support/loms.ts";
import { SpyOrderRepository } from "../support/wrappers.ts";

const silent = createLogger("test", "silent");

function spiedLoms(hooks: ConstructorParameters<typeof SpyOrderRepository>[1] = {}) {
  const holder: { spy?: SpyOrderRepository } = {};
  const loms = memoryLoms({ wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner, hooks)) });
  return { loms, spy: holder.spy! };
}

async function statusOf(loms: TestLoms, id: bigint) {
  return (await orderInfo(loms.deps, id)).status;
}

/** Lets several job intervals pass (the job runs every 5 ms in these tests). */
async function severalIntervals() {
  for (let i = 0; i < 8; i++) await Bun.sleep(5);
}

describe("startExpiryJob", () => {
  test("cancels a stale order on its own, returning its stock; after stop() it never runs again", async () => {
    const { loms, spy } = spiedLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);

    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: 5, logger: silent });
    await waitUntil(async () => (await statusOf(loms, id)) === OrderStatus.Cancelled, "the order expires");
    await job.stop();

    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);
    const runs = spy.calls.claimStale;
    expect(runs).toBeGreaterThanOrEqual(1);

    // New stale work appears, but a stopped job must not pick it up.
    const later = await awaitingOrder(loms);
    loms.clock.advance(1);
    await severalIntervals();
    expect(spy.calls.claimStale).toBe(runs);
    expect(await statusOf(loms, later)).toBe(OrderStatus.AwaitingPayment);
  });

  test("keeps running: orders that go stale later are expired by later runs", async () => {
    const { loms, spy } = spiedLoms();
    const job = startExpiryJob(loms.deps, { ttlMs: 1000, intervalMs: 5, logger: silent });
    try {
      const id = await awaitingOrder(loms);
      await waitUntil(() => spy.calls.claimStale >= 3, "three runs");
      expect(await statusOf(loms, id)).toBe(OrderStatus.AwaitingPayment); // younger than the ttl
      loms.clock.advance(1001);
      await waitUntil(async () => (await statusOf(loms, id)) === OrderStatus.Cancelled, "the order expires");
    } finally {
      await job.stop();
    }
  });

  test("stop() before the first run: no run ever happens", async () => {
    const { loms, spy } = spiedLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: 5, logger: silent });
    await job.stop();
    await severalIntervals();
    expect(spy.calls.claimStale).toBe(0);
    expect(await statusOf(loms, id)).toBe(OrderStatus.AwaitingPayment);
  });

  test("stop() waits for the run in progress to finish, and nothing runs after it", async () => {
    const gate = Promise.withResolvers<void>();
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        await gate.promise;
        return spy.inner.claimStale(...args);
      },
    });
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: 5, logger: silent });
    await waitUntil(() => spy.calls.claimStale === 1, "the first run starts");

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false); // the run is still blocked in claimStale

    gate.resolve();
    await stopping;
    // The run in progress completed before stop() resolved.
    expect(await statusOf(loms, id)).toBe(OrderStatus.Cancelled);
    const runs = spy.calls.claimStale;
    await severalIntervals();
    expect(spy.calls.claimStale).toBe(runs);
  });

  test("runs never overlap: the next run is scheduled when the current one ends", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Take longer than the interval.
        await Bun.sleep(3);
        await flush();
        inFlight--;
        return spy.inner.claimStale(...args);
      },
    });
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: 1, logger: silent });
    await waitUntil(() => spy.calls.claimStale >= 5, "five runs");
    await job.stop();
    expect(maxInFlight).toBe(1);
    expect(inFlight).toBe(0);
  });

  test("a failed run is logged and retried on the next tick; successful expiries are logged", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
    let failures = 1;
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        if (failures-- > 0) throw new Error("orders database unavailable");
        return spy.inner.claimStale(...args);
      },
    });
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);

    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: 5, logger });
    await waitUntil(async () => (await statusOf(loms, id)) === OrderStatus.Cancelled, "the order expires");
    await job.stop();

    expect(spy.calls.claimStale).toBeGreaterThanOrEqual(2);
    const failed = lines.find((l) => l.msg === "background job run failed");
    expect(failed).toMatchObject({ level: "error", job: "expiry" });
    expect(JSON.stringify(failed?.err)).toContain("orders database unavailable");
    const expired = lines.find((l) => l.msg === "expired unpaid orders");
    expect(expired).toMatchObject({ level: "info", job: "expiry", count: 1 });
    // Quiet when there is nothing to expire: exactly one such line for the one order.
    expect(lines.filter((l) => l.msg === "expired unpaid orders")).toHaveLength(1);
  });
});
