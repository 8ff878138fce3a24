// Server reflection and gRPC health on a real serveOnePort server, over gRPC (h2c) with Connect's
// client: the bidi and server-streaming paths of the one-port server, the descriptors served, and
// health following readiness through a drain.
import { afterAll, beforeAll, describe, expect, jest, test } from "bun:test";
import { create, createFileRegistry, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { protoDocs } from "@route256/proto/docs.ts";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@route256/proto/grpc/health/v1/health_pb.ts";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "@route256/proto/grpc/reflection/v1/reflection_pb.ts";
import * as v1alpha from "@route256/proto/grpc/reflection/v1alpha/reflection_pb.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { DomainError } from "../src/errors/domain-error.ts";
import { Readiness } from "../src/grpc/health.ts";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics } from "../src/metrics.ts";
import { type RunningServer, serveOnePort } from "../src/server/one-port.ts";
import { LogCapture } from "./support/log-capture.ts";
import { testProducts } from "./support/test-products.ts";

/** Stands in for a service's own auth: every call without a token is refused. */
const authInterceptor: Interceptor = (next) => (req) => {
  if (!req.header.get("x-token")) throw new DomainError("unauthenticated", "no token");
  return next(req);
};

let ready = true;
let log: LogCapture;
async function start(shutdownGraceMs = 5000): Promise<RunningServer> {
  log = new LogCapture();
  return serveOnePort({
    config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs },
    logger: createLogger("test", "debug", log),
    metrics: createRpcMetrics("test"),
    services: [ProductService],
    routes: testProducts().routes,
    interceptors: [authInterceptor],
    ready: () => ready,
    docs: { title: "t", description: "t", version: "0", protoDocs },
  });
}

const TOOLS = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

let server: RunningServer;
let sessions: Http2SessionManager;
const transport = () => createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
beforeAll(async () => {
  server = await start();
  sessions = new Http2SessionManager(server.url);
});
afterAll(async () => {
  sessions.abort();
  await server.close();
});

/** Asks each question on one reflection stream and returns the answers in order. */
async function reflect(
  questions: MessageInitShape<typeof ServerReflectionRequestSchema>[],
): Promise<ServerReflectionResponse[]> {
  const client = createClient(ServerReflection, transport());
  async function* requests() {
    for (const q of questions) yield create(ServerReflectionRequestSchema, q);
  }
  const answers: ServerReflectionResponse[] = [];
  for await (const answer of client.serverReflectionInfo(requests())) answers.push(answer);
  return answers;
}

function filesOf(answer: ServerReflectionResponse) {
  if (answer.messageResponse.case !== "fileDescriptorResponse") {
    throw new Error(
      `expected files, got ${answer.messageResponse.case}: ${JSON.stringify(answer.messageResponse.value)}`,
    );
  }
  return answer.messageResponse.value.fileDescriptorProto.map((b) =>
    fromBinary(FileDescriptorProtoSchema, b),
  );
}

function errorOf(answer: ServerReflectionResponse) {
  if (answer.messageResponse.case !== "errorResponse")
    throw new Error(`expected an error, got ${answer.messageResponse.case}`);
  return answer.messageResponse.value;
}

describe("server reflection", () => {
  test("lists the port's services, v1 and v1alpha, without the service's own interceptors", async () => {
    const [v1answer] = await reflect([{ messageRequest: { case: "listServices", value: "" } }]);
    expect(v1answer?.messageResponse).toMatchObject({
      case: "listServicesResponse",
      value: { service: [...TOOLS, "products.v1.ProductService"].sort().map((name) => ({ name })) },
    });
    const alpha = createClient(v1alpha.ServerReflection, transport());
    async function* one() {
      yield create(v1alpha.ServerReflectionRequestSchema, {
        messageRequest: { case: "listServices", value: "*" },
      });
    }
    const answers: v1alpha.ServerReflectionResponse[] = [];
    for await (const a of alpha.serverReflectionInfo(one())) answers.push(a);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.originalRequest?.messageRequest).toEqual({ case: "listServices", value: "*" });
    expect(answers[0]?.messageResponse.case).toBe("listServicesResponse");
  });

  test("a file comes with every file it imports, each sent once per stream", async () => {
    const [first, again] = await reflect([
      { messageRequest: { case: "fileByFilename", value: "products/v1/products.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "products.v1.ProductService.GetProduct" } },
    ]);
    const files = filesOf(first as ServerReflectionResponse);
    expect(files[0]?.name).toBe("products/v1/products.proto");
    const names = new Set(files.map((f) => f.name));
    expect(names).toContain("buf/validate/validate.proto");
    expect(names).toContain("google/protobuf/descriptor.proto");
    for (const f of files) for (const dep of f.dependency) expect(names).toContain(dep);
    // The same file again: only itself, its imports were sent already.
    expect(filesOf(again as ServerReflectionResponse).map((f) => f.name)).toEqual([
      "products/v1/products.proto",
    ]);

    // The files build a schema that agrees with the generated code, validation rules included.
    const registry = createFileRegistry(files[0] as FileDescriptorProto, (name) =>
      files.find((f) => f.name === name),
    );
    const service = registry.getService("products.v1.ProductService");
    expect(service?.methods.map((m) => m.name)).toEqual(ProductService.methods.map((m) => m.name));
    const sku = registry.getMessage("products.v1.GetProductRequest")?.field.sku;
    expect(sku?.proto.options?.$unknown?.map((u) => u.no)).toEqual([1159]); // (buf.validate.field)
  });

  test("symbols: a service, a method, a message, a field, an enum, an enum value, a oneof; unknown ones are NOT_FOUND and the stream goes on", async () => {
    const symbols = [
      "products.v1.ProductService",
      "products.v1.ProductService.ListSkus",
      "products.v1.Product",
      "products.v1.GetProductRequest.sku",
      "grpc.health.v1.HealthCheckResponse.ServingStatus",
      "grpc.health.v1.HealthCheckResponse.NOT_SERVING",
      "grpc.reflection.v1.ServerReflectionRequest.message_request",
      "products.v1.Nope",
      "products.v1.ProductService.Nope",
      "nope",
    ];
    const answers = await reflect(
      symbols.map((value) => ({ messageRequest: { case: "fileContainingSymbol", value } })),
    );
    expect(answers.slice(0, 4).map((a) => filesOf(a)[0]?.name)).toEqual(
      Array(4).fill("products/v1/products.proto"),
    );
    expect(answers.slice(4, 7).map((a) => filesOf(a)[0]?.name)).toEqual([
      "grpc/health/v1/health.proto",
      "grpc/health/v1/health.proto",
      "grpc/reflection/v1/reflection.proto",
    ]);
    for (const a of answers.slice(7)) {
      expect(errorOf(a)).toMatchObject({ errorCode: Code.NotFound });
      expect(errorOf(a).errorMessage).toContain(
        `symbol "${(a.originalRequest?.messageRequest.value as string) ?? ""}" not found`,
      );
    }
  });

  test("extensions: by number, all numbers of a type", async () => {
    const answers = await reflect([
      {
        messageRequest: {
          case: "fileContainingExtension",
          value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 1159 },
        },
      },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.FieldOptions" } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "products.v1.Product" } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "nope.Nope" } },
      {
        messageRequest: {
          case: "fileContainingExtension",
          value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 7 },
        },
      },
      {},
    ]);
    expect(filesOf(answers[0] as ServerReflectionResponse)[0]?.name).toBe("buf/validate/validate.proto");
    expect(answers[1]?.messageResponse).toEqual({
      case: "allExtensionNumbersResponse",
      value: expect.objectContaining({
        baseTypeName: "google.protobuf.FieldOptions",
        // (buf.validate.field) and (buf.validate.predefined)
        extensionNumber: [1159, 1160],
      }),
    });
    expect(answers[2]?.messageResponse.value).toMatchObject({ extensionNumber: [] });
    expect(errorOf(answers[3] as ServerReflectionResponse).errorCode).toBe(Code.NotFound);
    expect(errorOf(answers[4] as ServerReflectionResponse).errorCode).toBe(Code.NotFound);
    expect(errorOf(answers[5] as ServerReflectionResponse).errorCode).toBe(Code.InvalidArgument);
  });
});

describe("gRPC health", () => {
  test("Check and List follow readiness, for the server and each service; unknown names are NOT_FOUND", async () => {
    const health = createClient(Health, transport());
    expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
    expect((await health.check({ service: "products.v1.ProductService" })).status).toBe(Status.SERVING);
    ready = false;
    try {
      expect((await health.check({})).status).toBe(Status.NOT_SERVING);
      const { statuses } = await health.list({});
      expect(Object.keys(statuses).sort()).toEqual(["", ...TOOLS, "products.v1.ProductService"].sort());
      for (const s of Object.values(statuses)) expect(s.status).toBe(Status.NOT_SERVING);
    } finally {
      ready = true;
    }
    // Probes every few seconds stay out of an info log, as /healthz and /readyz do.
    await health.check({}, { headers: { "x-request-id": "grpc-probe-1" } });
    const line = await log.waitFor((l) => l.msg === "request" && l.requestId === "grpc-probe-1");
    expect(line).toMatchObject({ level: "debug", path: "/grpc.health.v1.Health/Check", rpcCode: "ok" });
    const err = await health.check({ service: "nope.Nope" }).catch((e) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  test("Watch of an unknown service: SERVICE_UNKNOWN, and the stream stays open until the client leaves", async () => {
    const health = createClient(Health, transport());
    const leave = new AbortController();
    const seen: Status[] = [];
    const watching = (async () => {
      for await (const r of health.watch({ service: "nope.Nope" }, { signal: leave.signal })) {
        seen.push(r.status);
        leave.abort();
      }
    })().catch((e) => ConnectError.from(e).code);
    expect(await watching).toBe(Code.Canceled);
    expect(seen).toEqual([Status.SERVICE_UNKNOWN]);
  });
});

describe("Readiness", () => {
  test("Watch reports the current status, then each change once, with one probe for all watchers", async () => {
    jest.useFakeTimers(); // polls happen only when the test moves the clock
    try {
      let up = true;
      let probes = 0;
      const readiness = new Readiness(
        () => {
          probes++;
          return up;
        },
        new AbortController().signal,
        5,
      );
      /** Moves the clock one poll interval on and lets the poll and the woken watchers run. */
      const poll = async () => {
        jest.advanceTimersByTime(5);
        for (let i = 0; i < 50; i++) await Promise.resolve();
      };
      const leaveA = new AbortController();
      const leaveB = new AbortController();
      const a = readiness.watch(leaveA.signal);
      const b = readiness.watch(leaveB.signal);
      expect((await a.next()).value).toBe(true);
      expect((await b.next()).value).toBe(true);
      up = false;
      const [nextA, nextB] = [a.next(), b.next()];
      await poll();
      expect((await nextA).value).toBe(false);
      expect((await nextB).value).toBe(false);
      const before = probes;
      for (let i = 0; i < 10; i++) await poll();
      expect(probes - before).toBe(10); // one probe per poll for both watchers together, not two
      up = true;
      const backA = a.next();
      await poll();
      expect((await backA).value).toBe(true);
      leaveA.abort();
      expect((await a.next()).done).toBe(true);
      expect((await b.next()).value).toBe(true); // the change it had not seen yet
      leaveB.abort();
      expect((await b.next()).done).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  test("a probe that throws is NOT_SERVING; after close every watcher gets NOT_SERVING and ends", async () => {
    let fail = false;
    const closing = new AbortController();
    const readiness = new Readiness(
      () => {
        if (fail) throw new Error("db down");
        return true;
      },
      closing.signal,
      5,
    );
    const w = readiness.watch(new AbortController().signal);
    expect((await w.next()).value).toBe(true);
    fail = true;
    expect(await readiness.serving()).toBe(false);
    fail = false;
    closing.abort();
    expect((await w.next()).value).toBe(false);
    expect((await w.next()).done).toBe(true);
    expect(await readiness.serving()).toBe(false);
  });
});

describe("draining", () => {
  // A grace period longer than the test's timeout: a stream that held the drain would fail the test.
  const LONG_GRACE_MS = 120_000;

  test("a Watch gets NOT_SERVING and ends, so the drain does not wait for it", async () => {
    const own = await start(LONG_GRACE_MS);
    const manager = new Http2SessionManager(own.url);
    const health = createClient(Health, createGrpcTransport({ baseUrl: own.url, sessionManager: manager }));
    const seen: Status[] = [];
    let closing: Promise<void> | undefined;
    for await (const r of health.watch({ service: "products.v1.ProductService" })) {
      seen.push(r.status);
      closing ??= own.close();
    }
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
    await closing;
    expect(log.withMessage("closed")[0]?.abandoned).toBe(0);
    manager.abort();
  });

  test("a reflection stream the client keeps open ends, so the drain does not wait for it", async () => {
    const own = await start(LONG_GRACE_MS);
    const manager = new Http2SessionManager(own.url);
    const client = createClient(
      ServerReflection,
      createGrpcTransport({ baseUrl: own.url, sessionManager: manager }),
    );
    const clientDone = new AbortController();
    async function* oneQuestionThenWait() {
      yield create(ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } });
      await new Promise((resolve) => clientDone.signal.addEventListener("abort", resolve));
    }
    let answers = 0;
    let closing: Promise<void> | undefined;
    for await (const _ of client.serverReflectionInfo(oneQuestionThenWait())) {
      answers++;
      closing ??= own.close();
    }
    expect(answers).toBe(1);
    await closing;
    expect(log.withMessage("closed")[0]?.abandoned).toBe(0);
    clientDone.abort();
    manager.abort();
  });
});
