import { DomainError } from "../errors/domain-error.ts";
import { duplicateKey } from "../json/duplicate-key.ts";

/**
 * A JSON response in which bigint values are written as exact JSON numbers. Course clients expect
 * plain numbers for ids (`{"order_id":9223372036854775807}`), and JSON.stringify cannot write a
 * bigint; converting to a JS number first would round ids above 2^53.
 */
export function jsonWithBigints(value: unknown, status = 200): Response {
  const marked = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${BIGINT_MARK}${v}` : v));
  const text = marked.replace(BIGINT_PATTERN, "$1");
  return new Response(text, { status, headers: { "content-type": "application/json" } });
}

const BIGINT_MARK = "\u0000bigint:";
const BIGINT_PATTERN = /"\\u0000bigint:(-?\d+)"/g;

/**
 * A REST request body as a JSON object, read strictly (README, "Errors and validation"): text that
 * is not JSON, anything but an object, a key given twice (JSON.parse would silently keep the last)
 * and (with `known`) a key the route does not know are each invalid input naming what is wrong.
 * Types and ranges are left to the route's schema and the contract's rules.
 */
export function strictJsonObject(text: string, known?: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DomainError("invalid_argument", "invalid body: not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new DomainError("invalid_argument", "invalid body: expected a JSON object");
  }
  const twice = duplicateKey(text);
  if (twice !== undefined) {
    throw new DomainError("invalid_argument", `invalid ${twice}: given more than once`);
  }
  const unknown = known && Object.keys(value).find((key) => !known.includes(key));
  if (known && unknown !== undefined) {
    throw new DomainError(
      "invalid_argument",
      `invalid ${unknown}: unknown field (expected ${known.join(", ")})`,
    );
  }
  return value as Record<string, unknown>;
}
