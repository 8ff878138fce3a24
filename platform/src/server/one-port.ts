import type { DescService } from "@bufbuild/protobuf";
import { Code, type ConnectRouter, type Interceptor, type Transport } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { type AnyElysia, Elysia } from "elysia";
import type { ServerConfig } from "../config.ts";
import { serverInterceptors } from "../connect/interceptors.ts";
import { HealthService, Readiness, serveHealth } from "../grpc/health.ts";
import { reflectionServices, ServerSchema, serveReflection } from "../grpc/reflection.ts";
import { adminRoutes } from "../http/admin.ts";
import { type DocsOptions, docsRoutes } from "../http/docs.ts";
import { frameworkFailure, gatewayErrorBody, type RestFailure, restFailure } from "../http/rest-errors.ts";
import { DEFAULT_LIMITS, type HttpLimits } from "../limits.ts";
import type { Logger } from "../logger.ts";
import type { RpcMetrics } from "../metrics.ts";
import { requestInfoOf } from "../request-info.ts";
import { nameHttpSpan } from "../tracing/http.ts";
import { Exchanges } from "./exchange.ts";
import { type Front, listenFront } from "./front.ts";
import { http1InProcess, serveHttp1 } from "./http1.ts";
import { serveHttp2 } from "./http2.ts";
import { opsRoutes } from "./ops.ts";
import { allowedMethods, type RestError, restHandler } from "./rest.ts";
import { createRpcRouter } from "./rpc-router.ts";
import { serveMetrics } from "./workers.ts";

/** After the drain, how long answers already written get to reach their clients. */
const CLOSE_WAIT_MS = 1_000;

export interface OnePortOptions {
  config: ServerConfig;
  logger: Logger;
  metrics: RpcMetrics;
  /**
   * Connect services of this process: served, documented in /openapi.json, and reflected. gRPC
   * health and server reflection are added to every port (grpc/health.ts, grpc/reflection.ts).
   */
  services: readonly DescService[];
  routes: (router: ConnectRouter) => void;
  /** Service interceptors; they run after validation (see connect/interceptors.ts). */
  interceptors?: Interceptor[];
  /**
   * REST routes. They get an in-process Connect transport to the same handlers, through the same
   * interceptors (validation, errors, metrics, spans), handing messages over without serialising
   * them, so REST is a thin mapping with no rules of its own.
   */
  rest?: (local: Transport) => AnyElysia;
  /**
   * How this service's REST routes answer a failure: status and JSON body. By default the status of
   * errors/codes.ts and grpc-gateway's {code, message, details}.
   */
  restError?: RestError;
  docs: Omit<DocsOptions, "services">;
  /**
   * Dependencies are reachable; /readyz also turns 503 while draining, and grpc.health.v1 answers
   * SERVING / NOT_SERVING the same way.
   */
  ready?: () => boolean | Promise<boolean>;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes. */
  close(): Promise<void>;
}

/**
 * One TCP port for every protocol (Connect JSON and binary, gRPC, gRPC-Web, REST, docs, ops):
 *
 *   client ─▶ front (node:net, sniffs the first bytes; limits.ts hygiene for HTTP/1.1)
 *              ├─ h2c ─▶ node:http2 stream API ─▶ Connect handlers | REST
 *              └─ HTTP/1.1 ─▶ loopback hop ─▶ Bun.serve (native) ─▶ Connect handlers | REST
 *
 * Why this shape: Bun.serve cannot send HTTP/2 trailers, so gRPC needs node:http2; but node:http's
 * emulation in Bun costs twice Bun.serve's native path for HTTP/1.1 (bench/README.md, "server").
 * REST calls the Connect implementations in process (rpc-router.ts).
 */
export async function serveOnePort(opts: OnePortOptions): Promise<RunningServer> {
  const { config, logger, metrics } = opts;
  let draining = false;
  const drainStarted = new AbortController();
  const { rpc, rest, limits } = assemble(opts, () => draining, drainStarted.signal);
  serveMetrics(metrics.registry); // in a worker: its part of every scrape (workers.ts)
  const exchanges = new Exchanges(logger);
  let front: Front | undefined;
  const h1 = serveHttp1({
    rpc: rpc.handlers,
    rest,
    limits,
    exchanges,
    logger,
    front: () => front,
    draining: () => draining,
  });
  const h2 = serveHttp2({ rpc: rpc.handlers, rest, limits, exchanges, logger });
  front = await listenFront({
    host: config.host,
    port: config.port,
    limits,
    innerPort: h1.port as number,
    onHttp2: (socket) => h2.server.emit("connection", socket),
  }).catch((err) => {
    h1.stop(true);
    throw err;
  });
  const url = `http://${config.host}:${front.port}`;
  logger.info({ url }, "listening (Connect, gRPC, gRPC-Web, REST on one port)");

  let closing: Promise<void> | undefined;
  const drain = async () => {
    draining = true;
    drainStarted.abort(); // health watchers get NOT_SERVING; their streams and reflection streams end
    logger.info({ inFlight: exchanges.active }, "draining");
    front?.drain();
    h2.close(); // GOAWAY: open streams finish, no new ones
    await exchanges.settled(config.shutdownGraceMs);
    await front?.close(CLOSE_WAIT_MS);
    h2.destroy();
    await h1.stop(true);
    logger.info({ abandoned: exchanges.active }, "closed");
  };
  return {
    port: front.port,
    url,
    close() {
      closing ??= drain();
      return closing;
    },
  };
}

/**
 * The same service without a socket: every request runs through what the HTTP/1.1 server runs for
 * it (Connect handlers for RPC paths; REST, docs and ops through the Elysia app; body limits,
 * interceptors, error mapping, access log), so tests call a service's whole HTTP surface in
 * process: `await handle(new Request("http://cart/user/1/cart"))`. No front, no HTTP/2, no drain.
 */
export function onePortInProcess(opts: OnePortOptions): (request: Request) => Promise<Response> {
  const { rpc, rest, limits } = assemble(opts, () => false, new AbortController().signal);
  return http1InProcess({
    rpc: rpc.handlers,
    rest,
    limits,
    exchanges: new Exchanges(opts.logger),
    logger: opts.logger,
    front: () => undefined,
    draining: () => false,
  });
}

/** The Connect router and the REST handler of a service: what both HTTP versions serve. */
function assemble(opts: OnePortOptions, draining: () => boolean, drainStarted: AbortSignal) {
  const { config, logger, metrics } = opts;
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...config.http };
  const interceptors = serverInterceptors(logger, metrics, opts.interceptors);
  const ready = async () => !draining() && ((await opts.ready?.()) ?? true);
  // Every port also speaks gRPC health (following readiness) and server reflection, so grpcurl,
  // buf curl, Postman and Kubernetes' gRPC probes work without the .proto files.
  const readiness = new Readiness(ready, drainStarted);
  const served = [...opts.services, HealthService, ...reflectionServices];
  const schema = new ServerSchema(served);
  // Without the service's own interceptors (auth, rate caps, injected latency): probes and schema
  // tools carry no credentials, and must not use up a caller's quota.
  const platformOnly = serverInterceptors(logger, metrics);
  const rpc = createRpcRouter(
    (router) => {
      opts.routes(router);
      serveHealth(router, readiness, served, platformOnly);
      serveReflection(router, schema, platformOnly, drainStarted);
    },
    {
      interceptors,
      readMaxBytes: limits.maxBodyBytes,
      acceptCompression: [compressionGzip, compressionBrotli],
    },
  );

  // One error handler for every REST route of this service, registered before the plugins so it
  // covers them all (Elysia applies a handler only to routes added after it). Each service picks
  // the body its REST clients expect; the status always comes from errors/codes.ts.
  const restError = opts.restError ?? ((f: RestFailure) => ({ status: f.status, body: gatewayErrorBody(f) }));
  const app: AnyElysia = new Elysia()
    .onError(({ code, error, set, request }) => {
      const path = new URL(request.url).pathname;
      const allow = code === "NOT_FOUND" ? allowedMethods(app, path) : [];
      if (allow.length > 0) {
        set.headers.allow = allow.join(", ");
        const failure = {
          status: 405,
          code: Code.Unimplemented,
          message: `method ${request.method} is not allowed on ${path}`,
        };
        set.status = 405;
        return restError(failure).body;
      }
      const failure = frameworkFailure(code, error) ?? restFailure(error);
      if (failure.status >= 500) {
        const info = requestInfoOf(request);
        if (info) info.errorLogged = true;
        logger.error({ err: error, requestId: info?.id }, "REST request failed");
      }
      const answer = restError(failure);
      set.status = answer.status;
      return answer.body;
    })
    .onBeforeHandle({ as: "global" }, ({ request, route }) => nameHttpSpan(request.method, route));
  app
    .use(opsRoutes({ registry: metrics.registry, ready }))
    .use(adminRoutes({ service: opts.docs.title, admin: config.admin }))
    .use(docsRoutes({ ...opts.docs, services: opts.services }));
  if (opts.rest) app.use(opts.rest(rpc.local));
  return { rpc, rest: restHandler(app, limits, restError), limits };
}
