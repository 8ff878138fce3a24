import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

/** The three wire protocols Connect serves; which one a request speaks is in its Content-Type. */
export type RpcProtocol = "connect" | "grpc" | "grpc-web";

export function protocolOf(contentType: string | null): RpcProtocol {
  const type = contentType?.toLowerCase() ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** What a handler answers: a whole unary body, or a stream of chunks (streaming RPCs, REST). */
export interface HttpAnswer {
  status: number;
  header: Headers;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** HTTP/2 trailers (gRPC); over HTTP/1.1 only gRPC-Web is served, whose trailers are in the body. */
  trailer?: Headers;
}

/**
 * An error answered before (or instead of) Connect's handler, in the caller's protocol: a Connect
 * error body with the HTTP status given, or for gRPC and gRPC-Web a "trailers-only" answer (the
 * status in the headers), which both allow.
 */
export function rpcFailure(
  protocol: RpcProtocol,
  httpStatus: number,
  code: Code,
  message: string,
  extra: Record<string, string> = {},
): HttpAnswer {
  if (protocol === "connect") {
    const body = new TextEncoder().encode(JSON.stringify({ code: codeToString(code), message }));
    return {
      status: httpStatus,
      header: new Headers({ ...extra, "content-type": "application/json" }),
      body,
    };
  }
  return {
    status: 200,
    header: new Headers({
      ...extra,
      "content-type": protocol === "grpc" ? "application/grpc" : "application/grpc-web+proto",
      "grpc-status": String(code),
      "grpc-message": encodeURIComponent(message),
    }),
  };
}

/**
 * @connectrpc/connect 2.2.0 reports a request whose bytes do not decode — malformed protobuf, a
 * compressed envelope nobody announced, a gzip body that is not gzip — as `internal`
 * (protocol/serialization.js, envelope.js, connect-node's compression.js), before any interceptor
 * runs. Those are the caller's bytes, not our bug: these messages are rewritten to
 * invalid_argument by `clientFaultToInvalidArgument`.
 */
const CLIENT_FAULT = /^(parse binary|invalid envelope|received compressed envelope|decompression failed)/;

export function isClientFault(message: string): boolean {
  return CLIENT_FAULT.test(message);
}

/** The answer to a unary RPC, with Connect's `internal` for undecodable input turned into the caller's error. */
export function clientFaultToInvalidArgument(protocol: RpcProtocol, answer: HttpAnswer): HttpAnswer {
  switch (protocol) {
    case "connect":
      return answer.status === 500 ? connectClientFault(answer) : answer;
    case "grpc":
      for (const headers of [answer.header, answer.trailer]) rewriteGrpcStatus(headers);
      return answer;
    case "grpc-web":
      rewriteGrpcStatus(answer.header);
      return grpcWebClientFault(answer);
  }
}

function connectClientFault(answer: HttpAnswer): HttpAnswer {
  if (!(answer.body instanceof Uint8Array)) return answer;
  let error: { code?: string; message?: string };
  try {
    error = JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    return answer;
  }
  if (error.code !== "internal" || !isClientFault(error.message ?? "")) return answer;
  return rpcFailure("connect", 400, Code.InvalidArgument, error.message ?? "");
}

function rewriteGrpcStatus(headers: Headers | undefined): void {
  if (headers?.get("grpc-status") !== String(Code.Internal)) return;
  if (isClientFault(decodeURIComponent(headers.get("grpc-message") ?? ""))) {
    headers.set("grpc-status", String(Code.InvalidArgument));
  }
}

/** gRPC-Web keeps its trailers in the body: a last envelope with flag 0x80 holding header lines. */
function grpcWebClientFault(answer: HttpAnswer): HttpAnswer {
  const body = answer.body;
  if (!(body instanceof Uint8Array)) return answer;
  let at = 0;
  while (at + 5 <= body.byteLength) {
    const flags = body[at] as number;
    const length = new DataView(body.buffer, body.byteOffset + at + 1, 4).getUint32(0);
    if (flags & 0x80 && at + 5 + length === body.byteLength) {
      const text = new TextDecoder().decode(body.subarray(at + 5));
      const message = /^grpc-message: *(.*)$/im.exec(text)?.[1]?.trim() ?? "";
      if (!/^grpc-status: *13\s*$/im.test(text) || !isClientFault(decodeURIComponent(message))) return answer;
      const fixed = new TextEncoder().encode(
        text.replace(/^grpc-status: *13/im, `grpc-status: ${Code.InvalidArgument}`),
      );
      const out = new Uint8Array(at + 5 + fixed.byteLength);
      out.set(body.subarray(0, at));
      out[at] = flags;
      new DataView(out.buffer, at + 1, 4).setUint32(0, fixed.byteLength);
      out.set(fixed, at + 5);
      return { ...answer, body: out };
    }
    at += 5 + length;
  }
  return answer;
}
