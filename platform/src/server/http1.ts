import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { HttpLimits } from "../limits.ts";
import type { Logger } from "../logger.ts";
import type { Exchange, Exchanges } from "./exchange.ts";
import type { Front } from "./front.ts";
import type { RestHandler } from "./rest.ts";
import { serveRpc } from "./rpc-call.ts";
import type { HttpAnswer } from "./rpc-protocol.ts";

export interface Http1Options {
  rpc: ReadonlyMap<string, UniversalHandler>;
  rest: RestHandler;
  limits: HttpLimits;
  exchanges: Exchanges;
  logger: Logger;
  /** The public front, once listening: it knows the real client behind each hop. */
  front: () => Front | undefined;
  draining: () => boolean;
}

const EMPTY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

/**
 * The internal HTTP/1.1 server: Bun.serve on 127.0.0.1, reached only through the front's hop. RPC
 * paths are Bun routes calling Connect's handlers; everything else goes to the REST handler.
 * Its own idle timeout is off and its body limit out of the way: the front and the handlers enforce
 * the configured ones, answering in each protocol's terms.
 */
export function serveHttp1(opts: Http1Options): Bun.Server<undefined> {
  const { routes, fetch } = http1Handlers(opts);
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    idleTimeout: 0,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    routes,
    fetch,
    error: (err) => unhandled(opts.logger, err),
  });
}

/** Serves one request as the HTTP/1.1 server would, without a socket: the service in process. */
export function http1InProcess(opts: Http1Options): (req: Request) => Promise<Response> {
  const { routes, fetch } = http1Handlers(opts);
  return (req) =>
    (routes[new URL(req.url).pathname] ?? fetch)(req).catch((err) => unhandled(opts.logger, err));
}

/** What Bun.serve answers for an error no handler caught (a bug): logged, and a bare 500. */
function unhandled(logger: Logger, err: unknown): Response {
  logger.error({ err }, "HTTP/1.1 request failed outside its error handling");
  return Response.json({ code: 13, message: "internal error", details: [] }, { status: 500 });
}

type Handler = (req: Request, server?: Bun.Server<undefined>) => Promise<Response>;

/** Bun routes for the RPC paths and the fetch handler for the rest; `server` is absent in process. */
function http1Handlers(opts: Http1Options): { routes: Record<string, Handler>; fetch: Handler } {
  const { exchanges, limits } = opts;

  /** Starts the exchange, and tells the front the hop has a request in flight until it ends. */
  const begin = (req: Request, server: Bun.Server<undefined> | undefined, path: string) => {
    const ip = server?.requestIP(req);
    const hopPort = ip?.port ?? -1;
    const front = opts.front();
    front?.requestStarted(hopPort);
    const exchange = exchanges.begin({
      http: "1.1",
      method: req.method,
      path,
      requestId: req.headers.get("x-request-id"),
      client: front?.clientOf(hopPort) ?? ip?.address,
    });
    const end = (status: number) => {
      exchange.end(status);
      front?.requestEnded(hopPort);
    };
    return { exchange, end };
  };

  const respond = (
    answer: HttpAnswer,
    exchange: Exchange,
    end: (status: number) => void,
    signal: AbortSignal,
  ) => {
    const header = answer.header;
    header.set("x-request-id", exchange.info.id);
    if (opts.draining()) header.set("connection", "close");
    if (answer.body === undefined || answer.body instanceof Uint8Array) {
      end(answer.status);
      return new Response((answer.body ?? null) as BodyInit | null, {
        status: answer.status,
        headers: header,
      });
    }
    return new Response(
      untilDone(answer.body, () => end(signal.aborted ? 499 : answer.status)) as unknown as BodyInit,
      {
        status: answer.status,
        headers: header,
      },
    );
  };

  const routes: Record<string, Handler> = {};
  for (const [path, handler] of opts.rpc) {
    routes[path] = async (req, server) => {
      const { exchange, end } = begin(req, server, path);
      try {
        const answer = await serveRpc(
          handler,
          {
            httpVersion: "1.1",
            method: req.method,
            url: req.url,
            header: req.headers,
            body: (req.body as AsyncIterable<Uint8Array> | null) ?? EMPTY,
            // Only with a declared length, which serveRpc checks against the limit first.
            ...(req.headers.has("content-length") ? { readAll: () => req.arrayBuffer() } : {}),
            signal: req.signal,
            info: exchange.info,
          },
          limits,
        );
        return respond(answer, exchange, end, req.signal);
      } catch (err) {
        end(500);
        throw err;
      }
    };
  }

  const fetch: Handler = async (req, server) => {
    const url = new URL(req.url);
    const { exchange, end } = begin(req, server, url.pathname + url.search);
    try {
      const response = await opts.rest(req, exchange.info);
      response.headers.set("x-request-id", exchange.info.id);
      if (opts.draining()) response.headers.set("connection", "close");
      end(req.signal.aborted ? 499 : response.status);
      return response;
    } catch (err) {
      end(500);
      throw err;
    }
  };
  return { routes, fetch };
}

/** A streamed body that reports when it has been sent whole, or cut short. */
async function* untilDone(body: AsyncIterable<Uint8Array>, done: () => void): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } finally {
    done();
  }
}
