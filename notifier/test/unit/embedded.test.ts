import { expect, test } from "bun:test";
import { inProcessNotifier } from "@route256/notifier";

test("the public entry's in-process notifier: the service's handler, deduped in memory", async () => {
  const notifier = inProcessNotifier({ logLevel: "silent" });
  const event = {
    eventId: "e-1",
    orderId: 9223372036854775807n,
    status: "paid" as const,
    moment: new Date(0),
  };
  expect(await notifier.handle(event)).toBe("printed");
  expect(await notifier.handle(event)).toBe("duplicate"); // the outbox may publish twice: one line
  expect(await notifier.handle({ ...event, eventId: "e-2" })).toBe("printed");
});
