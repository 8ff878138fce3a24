import { describe, expect, test } from "bun:test";
import { MemoryDedupeStore } from "../../src/adapters/memory-dedupe.ts";
import { createNotificationHandler } from "../../src/service/handler.ts";
import type { DedupeStore } from "../../src/service/ports.ts";
import { anEvent } from "../support/events.ts";
import { captureLogger, printed } from "../support/log.ts";

const MAX = 9223372036854775807n;

function setup(dedupe: DedupeStore = new MemoryDedupeStore()) {
  const { logger, lines } = captureLogger("info");
  return { handler: createNotificationHandler({ dedupe, logger }), lines };
}

describe("createNotificationHandler", () => {
  test("prints one structured line per event, message text exact", async () => {
    const { handler, lines } = setup();
    const event = anEvent({ eventId: "e-1", orderId: MAX, status: "awaiting payment" });

    expect(await handler.handle(event)).toBe("printed");

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: `order 9223372036854775807: status awaiting payment`,
      orderId: "9223372036854775807",
      status: "awaiting payment",
      eventId: "e-1",
      moment: "2026-11-21T10:00:00.000Z",
    });
  });

  test("an event id seen before is a duplicate and prints nothing", async () => {
    const { handler, lines } = setup();
    const event = anEvent();
    expect(await handler.handle(event)).toBe("printed");
    expect(await handler.handle(event)).toBe("duplicate");
    expect(await handler.handle({ ...event, status: "paid" })).toBe("duplicate"); // same id = same change
    expect(printed(lines)).toHaveLength(1);
  });

  test("each status change of an order has its own id and its own line, in order", async () => {
    const { handler, lines } = setup();
    for (const status of ["new", "awaiting payment", "paid"] as const)
      await handler.handle(anEvent({ orderId: 5n, status }));
    expect(printed(lines).map((l) => l.msg)).toEqual([
      "order 5: status new",
      "order 5: status awaiting payment",
      "order 5: status paid",
    ]);
  });

  test("the dedupe store is asked BEFORE the line is written", async () => {
    const order: string[] = [];
    const { logger, lines } = captureLogger("info");
    const dedupe: DedupeStore = {
      async firstTime(id) {
        order.push(`dedupe ${id} (lines so far: ${printed(lines).length})`);
        return true;
      },
    };
    await createNotificationHandler({ dedupe, logger }).handle(anEvent({ eventId: "e-9" }));
    expect(order).toEqual(["dedupe e-9 (lines so far: 0)"]);
    expect(printed(lines)).toHaveLength(1);
  });

  test("concurrent deliveries of one event print once", async () => {
    const { handler, lines } = setup();
    const event = anEvent();
    const results = await Promise.all([handler.handle(event), handler.handle(event), handler.handle(event)]);
    expect(results.sort()).toEqual(["duplicate", "duplicate", "printed"]);
    expect(printed(lines)).toHaveLength(1);
  });

  test("a failing dedupe store still prints (better twice than never) and warns", async () => {
    const broken: DedupeStore = {
      firstTime: () => Promise.reject(new Error("redis down")),
    };
    const { handler, lines } = setup(broken);
    const event = anEvent({ eventId: "e-down" });

    expect(await handler.handle(event)).toBe("printed");
    expect(await handler.handle(event)).toBe("printed");

    expect(printed(lines)).toHaveLength(2);
    const warnings = lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ eventId: "e-down", err: "Error: redis down" });
    expect(warnings[0]?.msg).toContain("without dedupe");
  });
});
