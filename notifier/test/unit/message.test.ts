import { describe, expect, test } from "bun:test";
import { MemoryDedupeStore } from "../../src/adapters/memory-dedupe.ts";
import { createNotificationHandler } from "../../src/service/handler.ts";
import type { NotificationHandler } from "../../src/service/ports.ts";
import { handleOrderEventMessage } from "../../src/transport/message.ts";
import { eventJson } from "../support/events.ts";
import { captureLogger, printed } from "../support/log.ts";

const MOMENT = new Date("2026-11-21T10:00:00.000Z");

function aMessage(value: string | undefined, eventId?: string) {
  const headers = new Map<string, string>();
  if (eventId !== undefined) headers.set("event-id", eventId);
  return { topic: "loms.order-events", value, headers, key: "7", partition: 1, offset: 41n };
}

describe("handleOrderEventMessage", () => {
  test("a well-formed message goes to the handler", async () => {
    const { logger, lines } = captureLogger("info");
    const handler = createNotificationHandler({ dedupe: new MemoryDedupeStore(), logger });
    const message = aMessage(eventJson({ orderId: 7n, status: "paid", moment: MOMENT }), "e-7");

    expect(await handleOrderEventMessage(message, handler, logger)).toBe("printed");
    expect(await handleOrderEventMessage(message, handler, logger)).toBe("duplicate");
    expect(printed(lines).map((l) => l.msg)).toEqual(["order 7: status paid"]);
  });

  test("a malformed message is logged with where it is, and never reaches the handler", async () => {
    const { logger, lines } = captureLogger("info");
    const handler: NotificationHandler = {
      handle: () => Promise.reject(new Error("must not be called")),
    };
    expect(await handleOrderEventMessage(aMessage("garbage", "e-1"), handler, logger)).toBe("malformed");
    expect(await handleOrderEventMessage(aMessage(undefined, "e-2"), handler, logger)).toBe("malformed");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: "warn",
      msg: "malformed order event skipped",
      partition: 1,
      offset: "41",
      key: "7",
      reason: "the value is not JSON",
      value: "garbage",
    });
  });

  test("a handler failure is thrown, so the caller does not commit", async () => {
    const { logger } = captureLogger("info");
    const handler: NotificationHandler = { handle: () => Promise.reject(new Error("boom")) };
    const message = aMessage(eventJson({ orderId: 7n, status: "paid", moment: MOMENT }), "e-7");
    await expect(handleOrderEventMessage(message, handler, logger)).rejects.toThrow("boom");
  });
});
