import { JsonKeyTwiceError, parseJsonInt64 } from "@route256/platform/json/int64";
import { ORDER_STATUSES, type OrderEvent, type OrderStatus } from "../domain/order-event.ts";

/** A message that can never be handled: logged, counted and skipped, never retried. */
export class MalformedEventError extends Error {
  override readonly name = "MalformedEventError";
}

const INT64_MAX = 9223372036854775807n;
const MAX_EVENT_ID_LENGTH = 200;
const KEYS = ["moment", "order_id", "status"].join();
const RFC3339 =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Parses a loms.order-events message: the value is `{"order_id":N,"status":"...","moment":"RFC3339"}`
 * (exactly these keys; spacing and key order are JSON's business), the event id comes from the
 * header. Anything else throws MalformedEventError saying what is wrong.
 */
export function parseOrderEvent(value: string | undefined, eventId: string | undefined): OrderEvent {
  if (eventId === undefined || eventId.trim() === "") throw malformed("header event-id is missing");
  if (eventId.length > MAX_EVENT_ID_LENGTH)
    throw malformed(`header event-id is longer than ${MAX_EVENT_ID_LENGTH} characters`);
  if (value === undefined || value === "") throw malformed("the value is empty");

  let body: unknown;
  try {
    body = parseJsonInt64(value, ["order_id"]); // JSON.parse alone would round an int64 through a double
  } catch (err) {
    throw malformed(
      err instanceof JsonKeyTwiceError ? `the value gives ${err.message}` : "the value is not JSON",
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw malformed("the value is not a JSON object");
  const fields = body as Record<string, unknown>;
  if (Object.keys(fields).sort().join() !== KEYS)
    throw malformed("the value must have exactly the keys order_id, status and moment");

  return {
    eventId,
    orderId: orderIdOf(fields.order_id),
    status: statusOf(fields.status),
    moment: momentOf(fields.moment),
  };
}

function orderIdOf(id: unknown): bigint {
  if (typeof id !== "bigint") throw malformed("order_id must be a JSON integer");
  if (id <= 0n || id > INT64_MAX) throw malformed("order_id must be a positive int64");
  return id;
}

function statusOf(status: unknown): OrderStatus {
  if (typeof status === "string" && (ORDER_STATUSES as readonly string[]).includes(status))
    return status as OrderStatus;
  throw malformed(`status must be one of: ${ORDER_STATUSES.join(", ")}`);
}

function momentOf(moment: unknown): Date {
  const parts = typeof moment === "string" ? RFC3339.exec(moment) : null;
  const date = parts ? new Date(moment as string) : undefined;
  // The regex bounds each field; the day check catches 2026-02-30, which Date would roll over.
  if (!parts || !date || Number.isNaN(date.getTime()) || Number(parts[3]) > daysIn(parts[1], parts[2]))
    throw malformed("moment must be an RFC 3339 date-time");
  return date;
}

function daysIn(year: string | undefined, month: string | undefined): number {
  return new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
}

function malformed(reason: string): MalformedEventError {
  return new MalformedEventError(reason);
}
