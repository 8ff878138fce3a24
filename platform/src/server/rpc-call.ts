import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { HttpLimits } from "../limits.ts";
import { type RequestInfo, requestInfoKey } from "../request-info.ts";
import { BodyRefused, capped, concat, declaredTooLarge, readBody, tooLarge } from "./body.ts";
import {
  clientFaultToInvalidArgument,
  type HttpAnswer,
  protocolOf,
  type RpcProtocol,
  rpcFailure,
} from "./rpc-protocol.ts";

/** One RPC as either HTTP version delivers it. */
export interface RpcCall {
  httpVersion: "1.1" | "2.0";
  method: string;
  url: string;
  header: Headers;
  /** The request body as it arrives. */
  body: AsyncIterable<Uint8Array>;
  /**
   * The whole body in one piece, where the server can do that faster than chunk by chunk. It must
   * fail with BodyRefused past the body limit — or be offered only once a declared length was
   * checked against it.
   */
  readAll?: () => Promise<ArrayBuffer | Uint8Array>;
  signal: AbortSignal;
  info: RequestInfo;
}

const ACCEPTED_TYPES =
  "application/json, application/proto (Connect), application/grpc[+proto|+json] (gRPC), application/grpc-web[+proto|+json] (gRPC-Web)";

/**
 * Serves one RPC through Connect's protocol handler. Unary request bodies are read whole first —
 * within the body limit and the request timeout — and the answer is returned whole, which is what
 * lets both servers write it in one go; streaming calls stream both ways, the body limit applying
 * to what the client sends in all.
 */
export async function serveRpc(
  handler: UniversalHandler,
  call: RpcCall,
  limits: HttpLimits,
): Promise<HttpAnswer> {
  const protocol = protocolOf(call.header.get("content-type"));
  if (declaredTooLarge(call.header, limits)) return refused(protocol, tooLarge(limits.maxBodyBytes));
  const unary = handler.method.methodKind === "unary";
  let body: AsyncIterable<Uint8Array>;
  if (unary) {
    try {
      body = once(await readBody(call.readAll ?? call.body, limits));
    } catch (err) {
      if (err instanceof BodyRefused) return refused(protocol, err);
      throw err;
    }
  } else {
    const max = limits.maxBodyBytes;
    // resource_exhausted through Connect, whose stream is already answering
    body = capped(
      call.body,
      max,
      () => new ConnectError(`request body exceeds ${max} bytes`, Code.ResourceExhausted),
    );
  }
  const res = await handler({
    httpVersion: call.httpVersion,
    method: call.method,
    url: call.url,
    header: call.header,
    body,
    signal: call.signal,
    contextValues: createContextValues().set(requestInfoKey, call.info),
  });
  const header = res.header ?? new Headers();
  if (res.status === 405) {
    return rpcFailure("connect", 405, Code.Unimplemented, `method ${call.method} is not allowed here`, {
      allow: handler.allowedMethods.join(", "),
    });
  }
  if (res.status === 415) {
    const type = call.header.get("content-type");
    return rpcFailure(
      "connect",
      415,
      Code.InvalidArgument,
      `${type ? `content type ${type} is` : "a request without content type is"} not served here; send one of ${ACCEPTED_TYPES}`,
      { accept: "application/json, application/proto, application/grpc, application/grpc-web" },
    );
  }
  if (!unary || res.body === undefined) {
    return {
      status: res.status,
      header,
      ...(res.body ? { body: res.body } : {}),
      ...(res.trailer ? { trailer: res.trailer } : {}),
    };
  }
  const answer: HttpAnswer = { status: res.status, header, body: await whole(res.body) };
  if (res.trailer) answer.trailer = res.trailer;
  return clientFaultToInvalidArgument(protocol, answer);
}

/** 413 / resource_exhausted or 408 / deadline_exceeded; the rest of the body is not read, so the connection goes. */
function refused(protocol: RpcProtocol, err: BodyRefused): HttpAnswer {
  const code = err.status === 413 ? Code.ResourceExhausted : Code.DeadlineExceeded;
  return rpcFailure(protocol, err.status, code, err.message, { connection: "close" });
}

async function whole(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return concat(chunks);
}

function once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      yield bytes;
    },
  };
}
