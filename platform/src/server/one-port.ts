import * as http from "node:http";
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import {
  type ConnectRouter,
  createContextValues,
  createRouterTransport,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type AnyElysia, Elysia } from "elysia";
import type { ServerConfig } from "../config.ts";
import { serverInterceptors } from "../connect/interceptors.ts";
import { adminRoutes } from "../http/admin.ts";
import { type DocsOptions, docsRoutes } from "../http/docs.ts";
import { opsRoutes } from "../http/ops.ts";
import { frameworkFailure, gatewayErrorBody, type RestFailure, restFailure } from "../http/rest-errors.ts";
import type { Logger } from "../logger.ts";
import type { RpcMetrics } from "../metrics.ts";
import { inHttpSpan, nameHttpSpan } from "../tracing/http.ts";
import { fetchBridge, type NodeRequest, type NodeResponse } from "./node-fetch-bridge.ts";
import { newRequestInfo, type RequestInfo, requestInfoKey } from "./request-info.ts";
import { createSniffingListener } from "./sniff.ts";

export interface OnePortOptions {
  config: ServerConfig;
  logger: Logger;
  metrics: RpcMetrics;
  /** Connect services of this process: served, and documented in /openapi.json. */
  services: readonly DescService[];
  routes: (router: ConnectRouter) => void;
  /** Service interceptors; they run after validation (see connect/interceptors.ts). */
  interceptors?: Interceptor[];
  /**
   * REST routes. They get an in-process Connect transport to the same handlers, through the same
   * interceptors (validation, errors, metrics), so REST is a thin mapping with no rules of its own.
   */
  rest?: (local: Transport) => AnyElysia;
  /**
   * How this service's REST routes answer a failure: status and JSON body. By default the status of
   * errors/codes.ts and grpc-gateway's {code, message, details}.
   */
  restError?: (failure: RestFailure) => { status: number; body: unknown };
  docs: Omit<DocsOptions, "services">;
  /** Dependencies are reachable; /readyz also turns 503 while draining. */
  ready?: () => boolean | Promise<boolean>;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes. */
  close(): Promise<void>;
}

/**
 * One TCP port for every protocol. A node:net listener sniffs each connection: h2c goes to
 * node:http2, HTTP/1.1 to node:http. Both run Connect's node adapter (Connect JSON and binary,
 * gRPC, gRPC-Web); any other path falls through to Elysia (REST, docs, health, metrics).
 *
 * Why not Bun.serve: it cannot send HTTP/2 trailers, so native gRPC is impossible there. Why not the
 * faster "sniff-proxy" variant (HTTP/1.1 piped to Bun.serve on a unix socket): handlers would lose
 * the client address. Measurements are in bench/README.md.
 */
export async function serveOnePort(opts: OnePortOptions): Promise<RunningServer> {
  const { config, logger, metrics } = opts;
  const interceptors = serverInterceptors(logger, metrics, opts.interceptors);
  let draining = false;

  // One error handler for every REST route of this service, registered before the plugins so it
  // covers them all (Elysia applies a handler only to routes added after it). Each service picks
  // the body its REST clients expect; the status always comes from errors/codes.ts.
  const restError = opts.restError ?? ((f: RestFailure) => ({ status: f.status, body: gatewayErrorBody(f) }));
  const app = new Elysia()
    .onError(({ code, error, set }) => {
      const answer = restError(frameworkFailure(code, error) ?? restFailure(error));
      set.status = answer.status;
      return answer.body;
    })
    .onBeforeHandle({ as: "global" }, ({ request, route }) => nameHttpSpan(request.method, route));
  app
    .use(
      opsRoutes({
        registry: metrics.registry,
        ready: async () => !draining && ((await opts.ready?.()) ?? true),
      }),
    )
    .use(adminRoutes({ service: opts.docs.title, admin: config.admin }))
    .use(docsRoutes({ ...opts.docs, services: opts.services }));
  if (opts.rest) {
    app.use(opts.rest(createRouterTransport(opts.routes, { router: { interceptors } })));
  }

  const infoOf = new WeakMap<NodeRequest, RequestInfo>();
  const bridge = fetchBridge((request) => app.handle(request), logger);
  const rpc = connectNodeAdapter({
    routes: opts.routes,
    interceptors,
    contextValues: (req) => createContextValues().set(requestInfoKey, infoOf.get(req)),
    fallback: (req, res) =>
      inHttpSpan(req, res, () => bridge(req, res, infoOf.get(req) ?? newRequestInfo(undefined, undefined))),
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const handle = (req: NodeRequest, res: NodeResponse) => {
    const header = req.headers["x-request-id"];
    const info = newRequestInfo(typeof header === "string" ? header : undefined, req.socket?.remoteAddress);
    infoOf.set(req, info);
    res.setHeader("x-request-id", info.id);
    if (draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    inFlight++;
    const started = performance.now();
    res.on("close", () => {
      inFlight--;
      accessLog(logger, req, res, info, performance.now() - started);
      if (draining && inFlight === 0) drained?.();
    });
    rpc(req, res);
  };

  // Requests queued behind cart's 10 RPS limiter wait for seconds: keep timeouts generous.
  const h1 = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handle);
  const h2 = http2.createServer({}, handle);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const sockets = new Set<net.Socket>();
  const listener = createSniffingListener(
    (s) => h2.emit("connection", s),
    (s) => h1.emit("connection", s),
  );
  listener.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(config.port, config.host, () => resolve());
  });
  const address = listener.address() as net.AddressInfo;
  const url = `http://${config.host}:${address.port}`;
  logger.info({ url }, "listening (Connect, gRPC, gRPC-Web, REST on one port)");

  return {
    port: address.port,
    url,
    close() {
      closing ??= drain();
      return closing;
    },
  };

  async function drain(): Promise<void> {
    draining = true;
    logger.info({ inFlight }, "draining");
    listener.close();
    for (const s of sessions) s.close(); // GOAWAY: open streams finish, no new ones
    if (inFlight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, config.shutdownGraceMs);
        }),
      ]);
      clearTimeout(timer); // else the timer alone keeps the process alive for the whole grace period
    }
    for (const s of sockets) s.destroy();
    logger.info({ abandoned: inFlight }, "closed");
  }
}

function accessLog(logger: Logger, req: NodeRequest, res: NodeResponse, info: RequestInfo, ms: number) {
  const path = req.url ?? "";
  // Scrapes and probes every few seconds would drown the interesting lines.
  const quiet = path === "/metrics" || path === "/healthz" || path === "/readyz";
  logger[quiet ? "debug" : "info"](
    {
      requestId: info.id,
      client: info.clientAddress,
      http: req.httpVersion,
      method: req.method,
      path,
      // 499 (nginx's "client closed request"): the peer left before the response was complete.
      status: res.writableFinished ? res.statusCode : 499,
      ...(info.rpcCode ? { rpcCode: info.rpcCode } : {}),
      ...info.span,
      ms: Math.round(ms * 10) / 10,
    },
    "request",
  );
}
