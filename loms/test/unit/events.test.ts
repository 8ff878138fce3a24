import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { loadLomsConfig } from "../../src/config.ts";
import type { OrderEvent } from "../../src/domain/order-event.ts";
import { openEvents } from "../../src/events.ts";
import type { LomsDeps } from "../../src/service/ports.ts";

// LOMS_EVENTS=memory: where the events go is the embedded mode's composition root's choice.
const config = loadLomsConfig({ LOMS_EVENTS: "memory" });
const deps = {} as LomsDeps; // the memory transport consumes no payments: deps are never touched
const event = (orderId: bigint, status: OrderEvent["status"]): OrderEvent => ({
  eventId: `e-${orderId}-${status}`,
  orderId,
  status,
  moment: new Date(0),
});

describe("openEvents, memory transport", () => {
  test("events go to the sink it is given, one at a time, in order", async () => {
    const seen: string[] = [];
    const events = openEvents(
      config,
      deps,
      createLogger("test", "silent"),
      () => {},
      async (e) => {
        seen.push(`${e.orderId} ${e.status}`);
      },
    );
    await events.publisher.publish([event(1n, "new"), event(1n, "awaiting payment"), event(2n, "new")]);
    expect(seen).toEqual(["1 new", "1 awaiting payment", "2 new"]);
    await events.close();
  });

  test("a sink's failure fails the publish: the outbox keeps the events", async () => {
    const events = openEvents(
      config,
      deps,
      createLogger("test", "silent"),
      () => {},
      async () => {
        throw new Error("handler down");
      },
    );
    await expect(events.publisher.publish([event(1n, "new")])).rejects.toThrow("handler down");
  });

  test("without a sink (LOMS alone) each event is logged at debug level", async () => {
    const lines: { msg: string; orderId?: string; status?: string }[] = [];
    const logger = createLogger("test", "debug", { write: (s: string) => void lines.push(JSON.parse(s)) });
    const events = openEvents(config, deps, logger, () => {});
    await events.publisher.publish([event(9223372036854775807n, "paid")]);
    expect(lines).toMatchObject([{ msg: "order event", orderId: "9223372036854775807", status: "paid" }]);
  });
});
