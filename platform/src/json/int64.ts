import { duplicateKey } from "./duplicate-key.ts";

/** A JSON text that gives one key twice in an object: JSON.parse would silently keep the last. */
export class JsonKeyTwiceError extends Error {
  override readonly name = "JsonKeyTwiceError";
  constructor(readonly key: string) {
    super(`${key}: given more than once`);
  }
}

/**
 * JSON.parse, except that the values of `int64Keys` written as integer literals come back as exact
 * bigints: JSON.parse alone reads every number through a double and rounds ids above 2^53. The digits
 * come from the parser itself (the reviver's source text, JSON.parse source text access), never from
 * a second, hand-written scan of the text, so they always belong to the value the parse kept.
 * A value of such a key that is not an integer literal (1.5, 1e3, "7") is left as JSON.parse gives
 * it, for the caller's validation to refuse. Text that is not JSON throws SyntaxError, as JSON.parse;
 * a key given twice in one object throws JsonKeyTwiceError (which of the two is meant is anyone's guess).
 */
export function parseJsonInt64(text: string, int64Keys: readonly string[]): unknown {
  const value: unknown = JSON.parse(text, (key, value, context?: { source?: string }) => {
    if (typeof value !== "number" || !int64Keys.includes(key)) return value;
    const source = context?.source;
    return source !== undefined && INTEGER.test(source) ? BigInt(source) : value;
  });
  const twice = duplicateKey(text);
  if (twice !== undefined) throw new JsonKeyTwiceError(twice);
  return value;
}

const INTEGER = /^-?\d+$/;
