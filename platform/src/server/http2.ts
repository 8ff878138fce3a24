import * as http2 from "node:http2";
import { Readable } from "node:stream";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { HttpLimits } from "../limits.ts";
import type { Logger } from "../logger.ts";
import { readStream } from "./body.ts";
import type { Exchanges } from "./exchange.ts";
import type { RestHandler } from "./rest.ts";
import { serveRpc } from "./rpc-call.ts";
import type { HttpAnswer } from "./rpc-protocol.ts";

export interface Http2Options {
  rpc: ReadonlyMap<string, UniversalHandler>;
  rest: RestHandler;
  limits: HttpLimits;
  exchanges: Exchanges;
  logger: Logger;
}

export interface Http2Sessions {
  readonly server: http2.Http2Server;
  /** GOAWAY on every session: open streams finish, no new ones. */
  close(): void;
  destroy(): void;
}

// Connection-specific headers are forbidden in HTTP/2 responses (RFC 9113 §8.2.2).
const H2_FORBIDDEN = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * h2c (gRPC, and Connect, gRPC-Web and REST over HTTP/2) on node:http2's stream API: each stream
 * calls Connect's handler directly and answers with real trailers — no compatibility layer, no
 * emulated request/response objects. A session must open its first stream within the request
 * timeout and is closed after the idle timeout with no stream open.
 */
export function serveHttp2(opts: Http2Options): Http2Sessions {
  const { limits, exchanges } = opts;
  const server = http2.createServer({});
  const sessions = new Set<http2.ServerHttp2Session>();

  server.on("session", (session) => {
    sessions.add(session);
    let open = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => session.destroy(), ms).unref();
    };
    arm(limits.requestTimeoutMs);
    session.on("stream", (stream) => {
      open++;
      clearTimeout(timer);
      stream.once("close", () => {
        if (--open === 0 && !session.destroyed) arm(limits.idleTimeoutMs);
      });
    });
    session.on("error", () => session.destroy());
    session.once("close", () => {
      clearTimeout(timer);
      sessions.delete(session);
    });
  });

  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on("error", () => {}); // a reset stream: the exchange ends as 499 below
    const path = headers[":path"] ?? "/";
    const method = headers[":method"] ?? "GET";
    const header = new Headers();
    for (const name in headers) {
      if (name.charCodeAt(0) === 58) continue; // ":" pseudo-headers
      const value = headers[name];
      if (Array.isArray(value)) for (const v of value) header.append(name, v);
      else if (value !== undefined) header.set(name, String(value));
    }
    const exchange = exchanges.begin({
      http: "2.0",
      method,
      path,
      requestId: header.get("x-request-id"),
      client: stream.session?.socket?.remoteAddress,
    });
    const aborted = new AbortController();
    let status = 499;
    let answered = false;
    // Closed before the whole answer was handed over (a client's RST_STREAM, a dropped connection):
    // the handler's signal aborts. Not `writableFinished`: Bun's http2 sets it on a reset too.
    stream.once("close", () => {
      if (!answered) aborted.abort();
      exchange.end(answered ? status : 499);
    });
    const url = `http://${headers[":authority"] ?? "localhost"}${path}`;
    const handler = opts.rpc.get(path.split("?")[0] as string);
    const answering = handler
      ? serveRpc(
          handler,
          {
            httpVersion: "2.0",
            method,
            url,
            header,
            body: stream,
            readAll: () => readStream(stream, limits.maxBodyBytes),
            signal: aborted.signal,
            info: exchange.info,
          },
          limits,
        )
      : opts.rest(restRequest(url, method, header, stream, aborted.signal), exchange.info).then(fromResponse);
    answering
      .then((answer) => {
        status = answer.status;
        answer.header.set("x-request-id", exchange.info.id);
        return write(stream, answer).then(() => {
          answered = !aborted.signal.aborted;
        });
      })
      .catch((err) => {
        opts.logger.error(
          { err, requestId: exchange.info.id },
          "HTTP/2 request failed outside its error handling",
        );
        status = 500;
        if (!stream.headersSent && !stream.destroyed) {
          stream.respond({ ":status": 500, "content-type": "application/json" });
          stream.end('{"code":13,"message":"internal error","details":[]}');
        } else stream.destroy();
      });
  });

  return {
    server,
    close: () => {
      for (const s of sessions) s.close();
    },
    destroy: () => {
      for (const s of sessions) s.destroy();
    },
  };
}

function restRequest(
  url: string,
  method: string,
  header: Headers,
  stream: http2.ServerHttp2Stream,
  signal: AbortSignal,
) {
  const hasBody = method !== "GET" && method !== "HEAD" && !stream.readableEnded;
  return new Request(url, {
    method,
    headers: header,
    signal,
    body: hasBody ? (Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>) : null,
    duplex: "half",
  } as RequestInit);
}

async function fromResponse(response: Response): Promise<HttpAnswer> {
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined;
  return { status: response.status, header: new Headers(response.headers), ...(body ? { body } : {}) };
}

async function write(stream: http2.ServerHttp2Stream, answer: HttpAnswer): Promise<void> {
  if (stream.destroyed) return;
  const out: http2.OutgoingHttpHeaders = { ":status": answer.status };
  answer.header.forEach((value, name) => {
    if (!H2_FORBIDDEN.has(name)) out[name] = value;
  });
  const trailer = answer.trailer;
  if (trailer) {
    stream.once("wantTrailers", () => {
      const t: http2.OutgoingHttpHeaders = {};
      trailer.forEach((value, name) => {
        t[name] = value;
      });
      stream.sendTrailers(t);
    });
  }
  const body = answer.body;
  if (body === undefined || body instanceof Uint8Array) {
    const empty = body === undefined || body.byteLength === 0;
    stream.respond(out, {
      waitForTrailers: trailer !== undefined,
      endStream: empty && trailer === undefined,
    });
    if (!empty || trailer) stream.end(body);
    releaseRequest(stream);
    return;
  }
  stream.respond(out, { waitForTrailers: trailer !== undefined });
  for await (const chunk of body) {
    if (stream.destroyed) return;
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once("drain", resolve));
  }
  stream.end();
  releaseRequest(stream);
}

/**
 * Answered before the whole request arrived — a refused body, or a streaming call the server ended
 * while the client still could send (a reflection stream at drain): the client may stop sending
 * (RST_STREAM with NO_ERROR after a complete response, RFC 9113 §8.1). Else the half-open stream
 * stays in flight, and a drain waits for it until its grace period ends.
 */
function releaseRequest(stream: http2.ServerHttp2Stream): void {
  if (!stream.readableEnded) stream.once("finish", () => stream.close(http2.constants.NGHTTP2_NO_ERROR));
}
