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
