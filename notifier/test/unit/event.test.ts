import { describe, expect, test } from "bun:test";
// The contract: whatever LOMS publishes, the notifier reads.
import { orderEventJson } from "../../../loms/src/domain/order-event.ts";
import { ORDER_STATUSES } from "../../src/domain/order-event.ts";
import { MalformedEventError, parseOrderEvent } from "../../src/transport/parse-event.ts";

const MAX = 9223372036854775807n;
const MOMENT = "2026-11-21T10:00:00.123Z";

const value = (orderId: string, status = "paid", moment = MOMENT) =>
  `{"order_id":${orderId},"status":"${status}","moment":"${moment}"}`;

function reasonOf(v: string | undefined, eventId: string | undefined): string {
  try {
    parseOrderEvent(v, eventId);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedEventError);
    return (err as Error).message;
  }
  throw new Error("parsed, but should have been malformed");
}

describe("parseOrderEvent", () => {
  test("reads the exact value LOMS writes, and the event id from the header", () => {
    expect(parseOrderEvent(value("42"), "e-1")).toEqual({
      eventId: "e-1",
      orderId: 42n,
      status: "paid",
      moment: new Date(MOMENT),
    });
  });

  test("round-trips LOMS's own encoder for every status", () => {
    for (const status of ORDER_STATUSES) {
      const event = { eventId: `e-${status}`, orderId: 7n, status, moment: new Date(MOMENT) };
      expect(parseOrderEvent(orderEventJson(event), event.eventId)).toEqual(event);
    }
  });

  test("int64 ids are kept exactly, never rounded through a double", () => {
    expect(parseOrderEvent(value(String(MAX)), "e").orderId).toBe(MAX);
    expect(parseOrderEvent(value("9223372036854775001"), "e").orderId).toBe(9223372036854775001n);
    expect(parseOrderEvent(value("9007199254740993"), "e").orderId).toBe(9007199254740993n);
  });

  test("JSON spacing and key order do not matter", () => {
    const spaced = `{ "status" : "new",\n "moment":"${MOMENT}", "order_id" : ${MAX} }`;
    expect(parseOrderEvent(spaced, "e")).toMatchObject({ orderId: MAX, status: "new" });
  });

  test("RFC 3339 moments with offsets and fractions are read as the same instant", () => {
    expect(parseOrderEvent(value("1", "new", "2026-11-21T13:00:00+03:00"), "e").moment).toEqual(
      new Date("2026-11-21T10:00:00Z"),
    );
    expect(parseOrderEvent(value("1", "new", "2026-11-21t10:00:00.5z"), "e").moment.getTime()).toBe(
      Date.parse("2026-11-21T10:00:00.500Z"),
    );
  });

  describe("malformed messages are a typed error naming the problem", () => {
    test.each([
      ["no header", value("1"), undefined, "event-id"],
      ["empty header", value("1"), "  ", "event-id"],
      ["huge header", value("1"), "x".repeat(201), "event-id"],
      ["empty value", "", "e", "empty"],
      ["no value (tombstone)", undefined, "e", "empty"],
      ["not JSON", "order 1 paid", "e", "not JSON"],
      ["an array", "[1,2]", "e", "not a JSON object"],
      ["null", "null", "e", "not a JSON object"],
      ["a missing key", `{"order_id":1,"status":"new"}`, "e", "exactly the keys"],
      ["an extra key", `{"order_id":1,"status":"new","moment":"${MOMENT}","x":1}`, "e", "exactly the keys"],
      ["a string id", value('"1"'), "e", "JSON integer"],
      ["a fractional id", value("1.5"), "e", "JSON integer"],
      ["an exponent id", value("1e3"), "e", "JSON integer"],
      ["a negative id", value("-5"), "e", "positive int64"],
      ["a zero id", value("0"), "e", "positive int64"],
      ["an id above int64", value("9223372036854775808"), "e", "positive int64"],
      [
        "a duplicated id key",
        `{"order_id":1,"order_id":2,"status":"new","moment":"${MOMENT}"}`,
        "e",
        "order_id: given more than once",
      ],
      ["an unknown status", value("1", "shipped"), "e", "status must be one of"],
      ["a status in another case", value("1", "PAID"), "e", "status must be one of"],
      ["a date without time", value("1", "new", "2026-11-21"), "e", "RFC 3339"],
      ["a time without zone", value("1", "new", "2026-11-21T10:00:00"), "e", "RFC 3339"],
      ["an impossible day", value("1", "new", "2026-02-30T10:00:00Z"), "e", "RFC 3339"],
      ["an impossible hour", value("1", "new", "2026-11-21T24:00:00Z"), "e", "RFC 3339"],
    ])("%s", (_, v, eventId, reason) => {
      expect(reasonOf(v, eventId)).toContain(reason);
    });

    test("a number moment is refused", () => {
      expect(reasonOf(`{"order_id":1,"status":"new","moment":1700000000}`, "e")).toContain("RFC 3339");
    });
  });
});
