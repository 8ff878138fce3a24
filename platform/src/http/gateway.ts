import { type DescField, type DescMethodUnary, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { Elysia } from "elysia";
import { DomainError } from "../errors/domain-error.ts";
import { schemaRef } from "../openapi/json-schema.ts";
import { forwardedCallOptions } from "./forward.ts";

/** One REST route transcoded to a unary RPC, like a grpc-gateway `google.api.http` rule. */
export interface GatewayRoute {
  // biome-ignore lint/suspicious/noExplicitAny: any unary method; input and output types vary per route
  readonly rpc: DescMethodUnary<any, any>;
  readonly http: "GET" | "POST";
  readonly path: string;
  readonly summary: string;
}

/**
 * grpc-gateway-compatible REST: the request message comes from the JSON body (POST) or the query
 * string (GET) in proto3 JSON — so int64 fields accept numbers and strings — and the response is
 * proto3 JSON with every field present (int64 as strings). Errors are grpc-gateway's
 * {"code", "message", "details"} (serveOnePort's default REST error body) with the usual HTTP status. The RPC runs in process through the
 * service's own interceptors, so validation and error mapping are exactly those of Connect.
 */
export function grpcGateway(name: string, local: Transport, routes: readonly GatewayRoute[]) {
  const app = new Elysia({ name });
  for (const route of routes) {
    const handler = async ({
      body,
      query,
      request,
    }: {
      body: unknown;
      query: Record<string, string>;
      request: Request;
    }) => {
      const input = decode(route.rpc, route.http === "GET" ? query : parseJson(body));
      const { signal, headers } = forwardedCallOptions(request);
      const res = await local.unary(route.rpc, signal, undefined, headers, input);
      return toJson(route.rpc.output, res.message, { alwaysEmitImplicit: true });
    };
    const detail = openApiDetail(route);
    // Like grpc-gateway, a body is JSON whatever its content type says (`curl -d` sends form type).
    if (route.http === "GET") app.get(route.path, handler, { detail });
    else app.post(route.path, handler, { detail, parse: "text" });
  }
  return app;
}

function parseJson(body: unknown): unknown {
  try {
    return JSON.parse(typeof body === "string" ? body : "");
  } catch {
    throw new DomainError("invalid_argument", "invalid body: not JSON");
  }
}

/** proto3 JSON → request message; a field that cannot be decoded is invalid input naming it. */
// biome-ignore lint/suspicious/noExplicitAny: see GatewayRoute.rpc
function decode(rpc: DescMethodUnary<any, any>, data: unknown) {
  if (data === undefined || data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new DomainError("invalid_argument", "invalid body: expected a JSON object");
  }
  try {
    return fromJson(rpc.input, data as JsonValue);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DomainError("invalid_argument", `invalid ${rpc.input.name}: ${message}`);
  }
}

function openApiDetail(route: GatewayRoute): Record<string, unknown> {
  const input = route.rpc.input;
  const responses = {
    "200": {
      description: "OK",
      content: { "application/json": { schema: schemaRef(route.rpc.output.typeName) } },
    },
    default: {
      description:
        'Error: {"code": <gRPC code>, "message", "details"}; HTTP status per the gRPC→HTTP mapping',
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: {
              code: { type: "integer" },
              message: { type: "string" },
              details: { type: "array" },
            },
          },
        },
      },
    },
  };
  const base = {
    tags: ["REST gateway"],
    summary: route.summary,
    description: `Transcoded to ${route.rpc.parent.typeName}/${route.rpc.name}.`,
    responses,
  };
  if (route.http === "GET") {
    return {
      ...base,
      parameters: input.fields.map((f: DescField) => ({
        name: f.jsonName,
        in: "query",
        required: true,
        schema: { type: "string" },
      })),
    };
  }
  return {
    ...base,
    requestBody: { required: true, content: { "application/json": { schema: schemaRef(input.typeName) } } },
  };
}
