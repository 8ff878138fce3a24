import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { OrderStatus } from "../../src/domain/order.ts";
import { startRepairJob } from "../../src/jobs/repair-job.ts";
import { REPAIR_GRACE_MS } from "../../src/service/repair-order.ts";
import { flush, memoryLoms, newOrder, newReservedOrder, type TestLoms, waitUntil } from "../support/loms.ts";
import { SpyOrderRepository } from "../support/wrappers.ts";

const silent = createLogger("test", "silent");

function spiedLoms(hooks: ConstructorParameters<typeof SpyOrderRepository>[1] = {}) {
  const holder: { spy?: SpyOrderRepository } = {};
  const loms = memoryLoms({ wrapOrders: (inner) => (holder.spy = new SpyOrderRepository(inner, hooks)) });
  return { loms, spy: holder.spy! };
}

async function statusOf(loms: TestLoms, id: bigint) {
  return (await loms.orders.get(id))?.status;
}

/** Lets several job intervals pass (the job runs every 5 ms in these tests). */
async function severalIntervals() {
  for (let i = 0; i < 8; i++) await Bun.sleep(5);
}

describe("startRepairJob", () => {
  test("settles orders a crash left in new on its own and logs how many; after stop() it never runs again", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
    const { loms, spy } = spiedLoms();
    const reserved = await newReservedOrder(loms, [{ sku: 1076963n, count: 2 }]);
    const bare = await newOrder(loms, [{ sku: 1076963n, count: 3 }]);
    loms.clock.advance(1);

    const job = startRepairJob(loms.deps, { intervalMs: 5, graceMs: 0, logger });
    await waitUntil(
      async () => (await statusOf(loms, bare.id)) === OrderStatus.Failed,
      "the order is repaired",
    );
    await job.stop();

    expect(await statusOf(loms, reserved.id)).toBe(OrderStatus.AwaitingPayment);
    expect(lines.filter((l) => l.msg === "repaired orders a crash left half-way")).toEqual([
      expect.objectContaining({ level: "info", job: "repair", count: 2 }),
    ]);

    const runs = spy.calls.claimStale;
    const later = await newOrder(loms);
    loms.clock.advance(1);
    await severalIntervals();
    expect(spy.calls.claimStale).toBe(runs);
    expect(await statusOf(loms, later.id)).toBe(OrderStatus.New);
  });

  test("by default leaves orders alone for REPAIR_GRACE_MS: a live request may still finish them", async () => {
    const { loms, spy } = spiedLoms();
    const order = await newOrder(loms);
    const job = startRepairJob(loms.deps, { intervalMs: 5, logger: silent });
    try {
      loms.clock.advance(REPAIR_GRACE_MS);
      const seen = spy.calls.claimStale;
      await waitUntil(() => spy.calls.claimStale >= seen + 3, "three more runs");
      expect(await statusOf(loms, order.id)).toBe(OrderStatus.New);

      loms.clock.advance(1);
      await waitUntil(
        async () => (await statusOf(loms, order.id)) === OrderStatus.Failed,
        "the order is repaired",
      );
    } finally {
      await job.stop();
    }
  });

  test("a failed run is logged and the next tick still runs", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
    let failures = 1;
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        if (failures-- > 0) throw new Error("orders database unavailable");
        return spy.inner.claimStale(...args);
      },
    });
    const order = await newOrder(loms);
    loms.clock.advance(1);

    const job = startRepairJob(loms.deps, { intervalMs: 5, graceMs: 0, logger });
    await waitUntil(
      async () => (await statusOf(loms, order.id)) === OrderStatus.Failed,
      "the order is repaired",
    );
    await job.stop();

    expect(spy.calls.claimStale).toBeGreaterThanOrEqual(2);
    const failed = lines.find((l) => l.msg === "background job run failed");
    expect(failed).toMatchObject({ level: "error", job: "repair" });
    expect(JSON.stringify(failed?.err)).toContain("orders database unavailable");
  });

  test("stop() waits for the run in progress to finish, and nothing runs after it", async () => {
    const gate = Promise.withResolvers<void>();
    const { loms, spy } = spiedLoms({
      claimStale: async (...args) => {
        await gate.promise;
        return spy.inner.claimStale(...args);
      },
    });
    const order = await newOrder(loms);
    loms.clock.advance(1);
    const job = startRepairJob(loms.deps, { intervalMs: 5, graceMs: 0, logger: silent });
    await waitUntil(() => spy.calls.claimStale === 1, "the first run starts");

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);

    gate.resolve();
    await stopping;
    expect(await statusOf(loms, order.id)).toBe(OrderStatus.Failed);
    const runs = spy.calls.claimStale;
    await severalIntervals();
    expect(spy.calls.claimStale).toBe(runs);
  });
});
