import { DomainError } from "../errors/domain-error.ts";

const INT64_MAX = 9223372036854775807n;
const DIGITS = /^-?\d{1,20}$/;

/**
 * A decimal int64 from a path or query parameter, as a bigint: ids span the whole int64 range and
 * would be rounded as JS numbers. Out-of-range or non-numeric text is invalid input naming the field.
 * Range rules (> 0 and the like) are the contract's business, checked by protovalidate.
 */
export function parseInt64(text: string | undefined, field: string): bigint {
  if (text === undefined || !DIGITS.test(text)) {
    throw new DomainError("invalid_argument", `invalid ${field}: must be an integer, got "${text ?? ""}"`);
  }
  const value = BigInt(text);
  if (value > INT64_MAX || value < -INT64_MAX - 1n) {
    throw new DomainError("invalid_argument", `invalid ${field}: out of the int64 range`);
  }
  return value;
}

/** A whole number that fits uint32, from a query parameter. */
export function parseUint32(text: string | undefined, field: string): number {
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > 4294967295) {
    throw new DomainError(
      "invalid_argument",
      `invalid ${field}: must be a whole number, got "${text ?? ""}"`,
    );
  }
  return Number(text);
}

/**
 * The query string of a REST request, each parameter at most once: `?orderId=1&orderId=2` is
 * invalid input naming orderId rather than an answer about one of them (frameworks disagree on
 * which). With `known`, a parameter the route does not take is invalid input too.
 */
export function singleValuedQuery(request: Request, known?: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(request.url).searchParams) {
    if (Object.hasOwn(query, name)) {
      throw new DomainError("invalid_argument", `invalid ${name}: given more than once`);
    }
    if (known && !known.includes(name)) {
      throw new DomainError(
        "invalid_argument",
        `invalid ${name}: unknown parameter (expected ${known.join(", ")})`,
      );
    }
    query[name] = value;
  }
  return query;
}
