import { within } from "../concurrency/within.ts";
import type { HttpLimits } from "../limits.ts";

/** A request body that did not arrive within the limits; the caller's fault, answered 408 or 413. */
export class BodyRefused extends Error {
  constructor(
    readonly status: 408 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The whole body, or BodyRefused once it passes `maxBodyBytes` (reading stops there: nothing more
 * is buffered) or has not fully arrived within `requestTimeoutMs`. A one-piece reader enforces the
 * limit itself (see RpcCall.readAll).
 */
export async function readBody(
  body: AsyncIterable<Uint8Array> | (() => Promise<ArrayBuffer | Uint8Array>),
  limits: HttpLimits,
): Promise<Uint8Array> {
  const read =
    typeof body === "function"
      ? body().then((bytes) => (bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)))
      : collect(body, limits.maxBodyBytes);
  return within(
    limits.requestTimeoutMs,
    read,
    () => new BodyRefused(408, `request body not received within ${limits.requestTimeoutMs} ms`),
  );
}

async function collect(body: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of capped(body, max, () => tooLarge(max))) chunks.push(chunk);
  return concat(chunks);
}

/**
 * The body's chunks, failing with `tooBig()` once they pass `max` bytes; the rest is not read.
 * The body is read by hand, not with `for await`: leaving that loop early destroys a node stream,
 * and an HTTP/2 stream reset before the answer is sent takes the refusal with it.
 */
export async function* capped(
  body: AsyncIterable<Uint8Array>,
  max: number,
  tooBig: () => Error,
): AsyncIterable<Uint8Array> {
  const reader = body[Symbol.asyncIterator]();
  let size = 0;
  for (;;) {
    const next = await reader.next();
    if (next.done) return;
    size += next.value.byteLength;
    if (size > max) throw tooBig();
    yield next.value;
  }
}

export function tooLarge(max: number): BodyRefused {
  return new BodyRefused(413, `request body exceeds ${max} bytes`);
}

/** The declared Content-Length is already over the limit: refuse before reading a byte. */
export function declaredTooLarge(header: Headers, limits: HttpLimits): boolean {
  return Number(header.get("content-length")) > limits.maxBodyBytes;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

/**
 * A node stream's whole body from its events — much cheaper under Bun than its async iterator when
 * many HTTP/2 streams are read at once. Past `max` bytes it stops reading (the stream is paused,
 * not destroyed, so an answer can still be sent on it) and fails with 413.
 */
export function readStream(stream: NodeJS.ReadableStream, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const done = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > max) {
        done();
        stream.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
  });
}
