// Connection hygiene and bad bytes on a real listening server (limits.ts, server/rpc-protocol.ts):
// what an outside client can do to a port, with the limits set small so each rule shows quickly.
// Timing assertions are one-sided: a timer never fires early, so "not closed before the limit"
// and "closed at all" hold on any machine; the upper bounds only stop a test from hanging.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { protoDocs } from "@route256/proto/docs.ts";
import { GetProductRequestSchema, ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics } from "../src/metrics.ts";
import { type RunningServer, serveOnePort } from "../src/server/one-port.ts";
import { LogCapture } from "./support/log-capture.ts";
import { RawHttp1 } from "./support/raw-http.ts";
import { testRest } from "./support/rest.ts";
import { SKU, type TestProducts, testProducts } from "./support/test-products.ts";

const GET_PRODUCT = "/products.v1.ProductService/GetProduct";
const LIMITS = { requestTimeoutMs: 400, idleTimeoutMs: 400, maxConnections: 20, maxBodyBytes: 1024 };

let server: RunningServer;
let products: TestProducts;
let log: LogCapture;

beforeAll(async () => {
  products = testProducts();
  log = new LogCapture();
  server = await serveOnePort({
    config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 2000, http: LIMITS },
    logger: createLogger("test", "info", log),
    metrics: createRpcMetrics("test"),
    services: [ProductService],
    routes: products.routes,
    rest: (local) => testRest(local),
    docs: { title: "hygiene test", description: "", version: "0", protoDocs, examples: {} },
  });
});

afterAll(async () => {
  products.hold.resolve();
  await server.close();
});

function connect(localAddress = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: server.port, host: "127.0.0.1", localAddress });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves with how long after `since` the socket closed; reads (and drops) whatever arrives. */
function closedAfter(socket: net.Socket, since: number): Promise<number> {
  socket.resume();
  socket.on("error", () => {});
  return new Promise((resolve) => socket.once("close", () => resolve(performance.now() - since)));
}

/** A gRPC frame: flags, 4-byte big-endian length, then the payload. */
function envelope(payload: Uint8Array, flags = 0, length = payload.byteLength): Uint8Array {
  const out = new Uint8Array(5 + payload.byteLength);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, length);
  out.set(payload, 5);
  return out;
}

/** One raw gRPC call over h2c: the answer's HTTP status, headers and trailers. */
async function rawGrpc(body: Uint8Array, contentType = "application/grpc") {
  const session = http2.connect(server.url);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": GET_PRODUCT,
      "content-type": contentType,
      te: "trailers",
      "x-api-key": "k",
    });
    stream.end(body);
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      stream.once("response", resolve);
      stream.once("error", reject);
    });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
      stream.once("trailers", resolve);
      stream.once("end", () => resolve({}));
    });
    for await (const _ of stream) {
      // drain
    }
    const t = await trailers;
    const status = headers["grpc-status"] ?? t["grpc-status"];
    const message = headers["grpc-message"] ?? t["grpc-message"];
    return {
      http: Number(headers[":status"]),
      grpcStatus: Number(status),
      message: decodeURIComponent(String(message)),
    };
  } finally {
    session.close();
  }
}

describe("HTTP/1.1 connections", () => {
  test("a request dribbled a byte at a time (slow loris) is closed after the request timeout", async () => {
    const socket = await connect();
    const since = performance.now();
    const closed = closedAfter(socket, since);
    const request = "GET /healthz HTTP/1.1\r\nhost: test\r\nx-padding: ";
    let i = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(request[i++ % request.length] as string);
    }, 50);
    const ms = await closed;
    clearInterval(drip);
    expect(ms).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 5);
  });

  test("a connection that sends nothing is closed", async () => {
    const socket = await connect();
    expect(await closedAfter(socket, performance.now())).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 5);
  });

  test("an idle keep-alive connection is closed after the idle timeout; one request in flight is not", async () => {
    const raw = await RawHttp1.connect(server.port);
    expect((await raw.request("GET", "/healthz")).status).toBe(200);
    const idleSince = performance.now();
    await raw.closed;
    expect(performance.now() - idleSince).toBeGreaterThanOrEqual(LIMITS.idleTimeoutMs - 5);

    // In flight for longer than both timeouts together: the connection stays, the answer arrives.
    const busy = await RawHttp1.connect(server.port);
    const body = JSON.stringify({ sku: String(SKU.slow) });
    const answer = busy.request("POST", GET_PRODUCT, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    });
    busy.socket.write(body);
    await products.slowStarted.promise;
    await Bun.sleep(3 * (LIMITS.idleTimeoutMs + LIMITS.requestTimeoutMs));
    products.hold.resolve();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).product.sku).toBe(String(SKU.slow));
    busy.close();
  });

  test("handlers see the real client address, not the loopback hop's", async () => {
    const socket = await connect("127.0.0.2");
    socket.write("GET /whoami HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    let text = "";
    for await (const chunk of socket) text += chunk;
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).client).toBe("127.0.0.2");
    const line = await log.waitFor(
      (l) => l.msg === "request" && l.path === "/whoami" && l.client === "127.0.0.2",
    );
    expect(line.http).toBe("1.1");
  });

  test("connections past the cap are refused at accept", async () => {
    const open: net.Socket[] = [];
    for (let i = 0; i < LIMITS.maxConnections; i++) {
      const socket = await connect();
      socket.write("G"); // a request begun: held open by the server until the request timeout
      open.push(socket);
    }
    const extra = await connect();
    await closedAfter(extra, performance.now()); // closed at once, not after a timeout
    for (const s of open) s.destroy();
  });
});

describe("HTTP/2 sessions", () => {
  test("a session that never opens a stream, and an idle one, are closed; the client address is real", async () => {
    const quiet = http2.connect(server.url);
    quiet.on("error", () => {});
    await new Promise<void>((resolve) => quiet.once("close", () => resolve()));

    const session = http2.connect(server.url, {
      localAddress: "127.0.0.2",
    } as http2.SecureClientSessionOptions);
    session.on("error", () => {});
    const stream = session.request({ ":path": "/whoami" });
    let text = "";
    for await (const chunk of stream) text += chunk;
    expect(JSON.parse(text).client).toBe("127.0.0.2");
    const idleSince = performance.now();
    await new Promise<void>((resolve) => session.once("close", () => resolve()));
    expect(performance.now() - idleSince).toBeGreaterThanOrEqual(LIMITS.idleTimeoutMs - 5);
  });
});

describe("the body limit", () => {
  const big = JSON.stringify({ sku: "1", padding: "x".repeat(2000) });

  test("Connect JSON over the limit: 413 resource_exhausted, the handler never runs", async () => {
    const before = products.calls.length;
    const res = await fetch(`${server.url}${GET_PRODUCT}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: "resource_exhausted",
      message: "request body exceeds 1024 bytes",
    });
    expect(products.calls.length).toBe(before);
  });

  test("a chunked body (no length) over the limit: 413 as well", async () => {
    const chunks = [big.slice(0, 1000), big.slice(1000)];
    const res = await fetch(`${server.url}${GET_PRODUCT}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe("resource_exhausted");
  });

  test("gRPC over the limit: ResourceExhausted", async () => {
    const huge = envelope(new Uint8Array(4000));
    const answer = await rawGrpc(huge);
    expect(answer.grpcStatus).toBe(Code.ResourceExhausted);
  });

  test("REST over the limit: 413 in the REST error shape", async () => {
    const res = await fetch(`${server.url}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: Code.ResourceExhausted,
      message: "request body exceeds 1024 bytes",
      details: [],
    });
  });
});

describe("bad bytes are the client's fault", () => {
  test("malformed binary protobuf over Connect: 400 invalid_argument naming the problem", async () => {
    const res = await fetch(`${server.url}${GET_PRODUCT}`, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toStartWith("parse binary:");
  });

  const valid = toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { sku: 1n }));
  const cases: [string, Uint8Array][] = [
    ["garbage payload", envelope(new Uint8Array([0xff, 0xff, 0xff]))],
    ["a wrong wire type", envelope(new Uint8Array([0x0a, 0x01, 0x00]))], // field 1 (int64) as length-delimited
    [
      "an overflowing varint",
      envelope(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    ],
    ["a truncated envelope", envelope(valid).subarray(0, 5 + valid.byteLength - 1)],
    ["a length the frame does not have", envelope(valid, 0, valid.byteLength + 10)],
    ["a compressed flag nobody announced", envelope(valid, 1)],
  ];
  test.each(cases)("gRPC with %s: InvalidArgument, never Internal", async (_, body) => {
    const answer = await rawGrpc(body);
    expect(answer.http).toBe(200);
    expect(answer.grpcStatus).toBe(Code.InvalidArgument);
  });

  test("gRPC-Web with a malformed message: InvalidArgument in the body's trailers", async () => {
    const res = await fetch(`${server.url}${GET_PRODUCT}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: envelope(new Uint8Array([0xff, 0xff, 0xff])) as BodyInit,
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes.subarray(5));
    expect(res.status).toBe(200);
    expect(res.headers.get("grpc-status") ?? /grpc-status: *(\d+)/.exec(text)?.[1]).toBe(
      String(Code.InvalidArgument),
    );
  });

  test("no 500 was logged for any of it", () => {
    expect(log.lines.filter((l) => l.msg === "request" && l.status === 500)).toEqual([]);
  });
});

describe("405 and 415", () => {
  test("a known REST path with another method: 405 with Allow", async () => {
    const res = await fetch(`${server.url}/healthz`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  test("an RPC with GET (not a side-effect-free method): 405 with Allow", async () => {
    const res = await fetch(`${server.url}${GET_PRODUCT}`, { method: "PUT" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  test("an RPC without a content type: 415 naming the accepted ones", async () => {
    const res = await fetch(`${server.url}${GET_PRODUCT}`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    const body = await res.json();
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toContain("application/json");
    expect(body.message).toContain("application/grpc");
  });
});

test("a 5xx is logged once at error level with the request id", async () => {
  const res = await fetch(`${server.url}${GET_PRODUCT}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "boom-1" },
    body: JSON.stringify({ sku: String(SKU.broken) }),
  });
  expect(res.status).toBe(500);
  await log.waitFor((l) => l.msg === "request" && l.requestId === "boom-1");
  const errors = log.at("error").filter((l) => l.requestId === "boom-1");
  expect(errors.length).toBe(1);
  expect(String((errors[0]?.err as { stack?: string })?.stack)).toContain("secret");
});
