// startRepairJob on the fake timers (see ../support/fake-timers.ts): each interval the test lets
// pass is one run, finished before the test looks, so every count below is exact.
import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { OrderStatus } from "../../src/domain/order.ts";
import { startRepairJob } from "../../src/jobs/repair-job.ts";
import { REPAIR_GRACE_MS } from "../../src/service/repair-order.ts";
import { fakeJobTimers, settle } from "../support/fake-timers.ts";
import { memoryLoms, newOrder, newReservedOrder, type TestLoms } from "../support/loms.ts";
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
  return (await loms.orders.get(id))?.status;
}

describe("startRepairJob", () => {
  test("settles orders a crash left in new on its own and logs how many; after stop() it never runs again", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
    const { loms, spy } = spiedLoms();
    const reserved = await newReservedOrder(loms, [{ sku: 1076963n, count: 2 }]);
    const bare = await newOrder(loms, [{ sku: 1076963n, count: 3 }]);
    loms.clock.advance(1);

    const job = startRepairJob(loms.deps, { intervalMs: INTERVAL, graceMs: 0, logger });
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1);
    expect(await statusOf(loms, bare.id)).toBe(OrderStatus.Failed);
    expect(await statusOf(loms, reserved.id)).toBe(OrderStatus.AwaitingPayment);
    await intervals(2); // runs with nothing left to repair
    await job.stop();
    expect(spy.calls.claimStale).toBe(3);

    // One line, for the one run that repaired something.
    expect(lines.filter((l) => l.msg === "repaired orders a crash left half-way")).toEqual([
      expect.objectContaining({ level: "info", job: "repair", count: 2 }),
    ]);

    const later = await newOrder(loms);
    loms.clock.advance(1);
    await intervals(10);
    expect(spy.calls.claimStale).toBe(3);
    expect(await statusOf(loms, later.id)).toBe(OrderStatus.New);
  });

  test("by default leaves orders alone for REPAIR_GRACE_MS: a live request may still finish them", async () => {
    const { loms, spy } = spiedLoms();
    const order = await newOrder(loms);
    const job = startRepairJob(loms.deps, { intervalMs: INTERVAL, logger: silent });
    try {
      loms.clock.advance(REPAIR_GRACE_MS);
      await intervals(3);
      expect(spy.calls.claimStale).toBe(3);
      expect(await statusOf(loms, order.id)).toBe(OrderStatus.New);

      loms.clock.advance(1);
      await intervals(1);
      expect(spy.calls.claimStale).toBe(4);
      expect(await statusOf(loms, order.id)).toBe(OrderStatus.Failed);
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

    const job = startRepairJob(loms.deps, { intervalMs: INTERVAL, graceMs: 0, logger });
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1);
    expect(await statusOf(loms, order.id)).toBe(OrderStatus.New); // the run failed
    const failed = lines.find((l) => l.msg === "background job run failed");
    expect(failed).toMatchObject({ level: "error", job: "repair" });
    expect(JSON.stringify(failed?.err)).toContain("orders database unavailable");

    await intervals(1); // the next tick runs again
    await job.stop();
    expect(spy.calls.claimStale).toBe(2);
    expect(await statusOf(loms, order.id)).toBe(OrderStatus.Failed);
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
    const job = startRepairJob(loms.deps, { intervalMs: INTERVAL, graceMs: 0, logger: silent });
    await intervals(1);
    expect(spy.calls.claimStale).toBe(1); // the first run started, and is blocked in claimStale

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);

    gate.resolve();
    await stopping;
    // The run in progress completed before stop() resolved.
    expect(await statusOf(loms, order.id)).toBe(OrderStatus.Failed);
    await intervals(10);
    expect(spy.calls.claimStale).toBe(1);
  });
});
