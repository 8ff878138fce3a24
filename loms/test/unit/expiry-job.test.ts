// startExpiryJob on the fake timers (see ../support/fake-timers.ts): each interval the test lets
// pass is one run, finished before the test looks, so every count below is exact.
import { describe, expect, jest, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { STOCK_FIXTURE } from "../../src/adapters/memory/stock-fixture.ts";
import { OrderStatus } from "../../src/domain/order.ts";
import { startExpiryJob } from "../../src/jobs/expiry-job.ts";
import { orderInfo } from "../../src/service/order-info.ts";
import { fakeJobTimers, settle } from "../support/fake-timers.ts";
import { awaitingOrder, memoryLoms, type TestLoms } from "../support/loms.ts";
import { SpyOrderRepository } from "../support/wrappers.ts";

const INTERVAL = 1000;
const { intervals } = fakeJobTimers(INTERVAL);
const silent = createLogger("test", "silent");

function spiedLoms(hooks: ConstructorParameters<typeof SpyOrderRepository>[1] = {}) {
  const holder: { spy?: SpyOrderRepository } = {};
  const loms = memoryLoms({ wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner, hooks)) });
  return { loms, spy: holder.spy! };
}

async function statusOf(loms: TestLoms, id: bigint) {
  return (await orderInfo(loms.deps, id)).status;
}

describe("startExpiryJob", () => {
  test("cancels a stale order on its own, returning its stock; after stop() it never runs again", async () => {
    const { loms, spy } = spiedLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);

    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: INTERVAL, logger: silent });
    jest.advanceTimersByTime(INTERVAL - 1);
    await settle();
    expect(spy.calls.claimStale).toBe(0); // not before the first interval
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1);
    expect(await statusOf(loms, id)).toBe(OrderStatus.Cancelled);
    await job.stop();
    expect(loms.stocks.snapshot()).toEqual([...STOCK_FIXTURE]);

    // New stale work appears, but a stopped job must not pick it up.
    const later = await awaitingOrder(loms);
    loms.clock.advance(1);
    await intervals(10);
    expect(spy.calls.claimStale).toBe(1);
    expect(await statusOf(loms, later)).toBe(OrderStatus.AwaitingPayment);
  });

  test("keeps running: orders that go stale later are expired by later runs", async () => {
    const { loms, spy } = spiedLoms();
    const job = startExpiryJob(loms.deps, { ttlMs: 1000, intervalMs: INTERVAL, logger: silent });
    try {
      const id = await awaitingOrder(loms);
      await intervals(3);
      expect(spy.calls.claimStale).toBe(3);
      expect(await statusOf(loms, id)).toBe(OrderStatus.AwaitingPayment); // younger than the ttl
      loms.clock.advance(1001);
      await intervals(1);
      expect(spy.calls.claimStale).toBe(4);
      expect(await statusOf(loms, id)).toBe(OrderStatus.Cancelled);
    } finally {
      await job.stop();
    }
  });

  test("stop() before the first run: no run ever happens", async () => {
    const { loms, spy } = spiedLoms();
    const id = await awaitingOrder(loms);
    loms.clock.advance(1);
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: INTERVAL, logger: silent });
    await job.stop();
    await intervals(10);
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
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: INTERVAL, logger: silent });
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1); // the first run started, and is blocked in claimStale

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // the run is still blocked in claimStale

    gate.resolve();
    await stopping;
    // The run in progress completed before stop() resolved.
    expect(await statusOf(loms, id)).toBe(OrderStatus.Cancelled);
    await intervals(10);
    expect(spy.calls.claimStale).toBe(1);
  });

  test("runs never overlap: the next run is scheduled one interval after the current one ends", async () => {
    const gates: PromiseWithResolvers<void>[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const gate = Promise.withResolvers<void>();
        gates.push(gate);
        await gate.promise; // the run takes as long as the test says: longer than the interval
        inFlight--;
        return spy.inner.claimStale(...args);
      },
    });
    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: INTERVAL, logger: silent });
    await intervals(1);
    for (let run = 1; run <= 5; run++) {
      expect(spy.calls.claimStale).toBe(run);
      await intervals(3); // three intervals pass while the run is blocked: no other run starts
      expect(spy.calls.claimStale).toBe(run);
      gates[run - 1]?.resolve();
      await settle();
      expect(inFlight).toBe(0);
      jest.advanceTimersByTime(INTERVAL - 1); // the next run is due one interval after this one ended
      await settle();
      expect(spy.calls.claimStale).toBe(run);
      jest.advanceTimersByTime(1);
      await settle();
    }
    expect(spy.calls.claimStale).toBe(6);
    gates[5]?.resolve();
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

    const job = startExpiryJob(loms.deps, { ttlMs: 0, intervalMs: INTERVAL, logger });
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1);
    expect(await statusOf(loms, id)).toBe(OrderStatus.AwaitingPayment); // the run failed
    const failed = lines.find((l) => l.msg === "background job run failed");
    expect(failed).toMatchObject({ level: "error", job: "expiry" });
    expect(JSON.stringify(failed?.err)).toContain("orders database unavailable");

    await intervals(1); // the next tick retries
    expect(spy.calls.claimStale).toBe(2);
    expect(await statusOf(loms, id)).toBe(OrderStatus.Cancelled);
    await intervals(3); // runs with nothing to expire
    await job.stop();
    expect(spy.calls.claimStale).toBe(5);

    const expired = lines.find((l) => l.msg === "expired unpaid orders");
    expect(expired).toMatchObject({ level: "info", job: "expiry", count: 1 });
    // Quiet when there is nothing to expire: exactly one such line for the one order.
    expect(lines.filter((l) => l.msg === "expired unpaid orders")).toHaveLength(1);
    expect(lines.filter((l) => l.level === "error")).toHaveLength(1);
  });
});
