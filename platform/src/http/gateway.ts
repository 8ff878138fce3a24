import {
  type DescField,
  type DescMessage,
  type DescMethodUnary,
  fromJson,
  type JsonValue,
  toJson,
} from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { Elysia, type TSchema, t } from "elysia";
import { DomainError } from "../errors/domain-error.ts";
import { fieldSchema, type Schema, schemaRef } from "../openapi/json-schema.ts";
import { forwardedCallOptions } from "./forward.ts";
import { strictJsonObject } from "./json.ts";
import { singleValuedQuery } from "./params.ts";

/** One REST route transcoded to a unary RPC, like a grpc-gateway `google.api.http` rule. */
export interface GatewayRoute {
  // biome-ignore lint/suspicious/noExplicitAny: any unary method; input and output types vary per route
  readonly rpc: DescMethodUnary<any, any>;
  readonly http: "GET" | "POST";
  /**
   * grpc-gateway's path template: `{field}` segments (proto field names) bind request fields, so
   * `/order/info/{order_id}` and `/order/info?orderId=` can be two routes of one RPC.
   */
  readonly path: string;
  readonly summary: string;
}

const TEMPLATE_FIELD = /\{(\w+)\}/g;

/**
 * grpc-gateway-compatible REST: the request message comes from the path's `{field}` segments and the
 * JSON body (POST) or the query string (GET) in proto3 JSON — so int64 fields accept numbers and
 * strings — and the response is proto3 JSON with every field present (int64 as strings). Input is
 * read strictly, as on every REST surface (README, "Errors and validation"): unknown fields, keys
 * given twice and repeated query parameters are invalid_argument naming them. Errors are
 * grpc-gateway's {"code", "message", "details"} (serveOnePort's default REST error body) with the
 * usual HTTP status. The RPC runs in process through the service's own interceptors, so validation
 * and error mapping are exactly those of Connect.
 */
export function grpcGateway(name: string, local: Transport, routes: readonly GatewayRoute[]) {
  const app = new Elysia({ name });
  for (const route of routes) {
    const handler = async ({
      body,
      params,
      request,
    }: {
      body: unknown;
      params: Record<string, string | null>;
      request: Request;
    }) => {
      const given =
        route.http === "GET"
          ? singleValuedQuery(request)
          : strictJsonObject(typeof body === "string" ? body : "");
      const input = decode(route.rpc, withPathFields(route, given, params));
      const { signal, headers } = forwardedCallOptions(request);
      const res = await local.unary(route.rpc, signal, undefined, headers, input);
      return toJson(route.rpc.output, res.message, { alwaysEmitImplicit: true });
    };
    const path = route.path.replace(TEMPLATE_FIELD, ":$1");
    const detail = openApiDetail(route);
    const params = pathParamsSchema(route);
    // Like grpc-gateway, a body is JSON whatever its content type says (`curl -d` sends form type).
    if (route.http === "GET") app.get(path, handler, { detail, ...params });
    else app.post(path, handler, { detail, parse: "text", ...params });
  }
  return app;
}

/**
 * The request fields: the query or body, plus those the path binds. A path field also given in the
 * query or body (by either of its names) is invalid input naming it, as a key given twice is.
 */
function withPathFields(
  route: GatewayRoute,
  data: Record<string, unknown>,
  params: Record<string, string | null>,
): Record<string, unknown> {
  const input: DescMessage = route.rpc.input;
  const fields = { ...data };
  for (const [, name] of route.path.matchAll(TEMPLATE_FIELD)) {
    const field = input.fields.find((f) => f.name === name);
    const value = params[name as string];
    // Elysia decodes path segments; one that is not valid percent-encoding arrives as null.
    if (!field || typeof value !== "string") {
      throw new DomainError("invalid_argument", `invalid ${name}: not a valid path segment`);
    }
    if (field.name in fields || field.jsonName in fields) {
      throw new DomainError(
        "invalid_argument",
        `invalid ${name}: given in the path and again in the request`,
      );
    }
    fields[field.name] = value;
  }
  return fields;
}

/** proto3 JSON → request message; a field that cannot be decoded is invalid input naming it. */
// biome-ignore lint/suspicious/noExplicitAny: see GatewayRoute.rpc
function decode(rpc: DescMethodUnary<any, any>, data: Record<string, unknown>) {
  try {
    return fromJson(rpc.input, data as JsonValue);
  } catch (err) {
    throw invalid(rpc, err);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see GatewayRoute.rpc
function invalid(rpc: DescMethodUnary<any, any>, err: unknown): DomainError {
  const message = err instanceof Error ? err.message : String(err);
  return new DomainError("invalid_argument", `invalid ${rpc.input.name}: ${message}`);
}

/**
 * Elysia documents path parameters from its own `params` schema (a bare string otherwise): each is
 * the field's schema, as the text a path segment is, keeping its pattern and bounds. Validation stays
 * with proto3 JSON and protovalidate (a digit pattern here would only duplicate their messages).
 */
function pathParamsSchema(route: GatewayRoute) {
  const fields = [...route.path.matchAll(TEMPLATE_FIELD)].map((m) => m[1] as string);
  if (fields.length === 0) return {};
  const input: DescMessage = route.rpc.input;
  const properties: Record<string, TSchema> = {};
  for (const name of fields) {
    const field = input.fields.find((f) => f.name === name);
    if (!field) throw new Error(`${route.path}: ${input.typeName} has no field ${name}`);
    properties[name] = t.String(textKeywords(field));
  }
  return { params: t.Object(properties) };
}

/**
 * A field's schema as the text a path segment or query value is: its bounds and description, not
 * its JSON type (Swagger UI cannot fill a query parameter typed ["string","integer"]).
 */
function textKeywords(field: DescField): Record<string, unknown> {
  const { type: _type, format: _format, pattern: _pattern, ...keywords } = fieldSchema(field, {}, {}).schema;
  return keywords;
}

const errorResponse = {
  description: 'Error: {"code": <gRPC code>, "message", "details"}; HTTP status per the gRPC→HTTP mapping',
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["code", "message", "details"],
        properties: {
          code: { type: "integer" },
          message: { type: "string" },
          details: { type: "array" },
        },
      },
    },
  },
};

/**
 * The route's OpenAPI operation, from the same descriptors and protovalidate rules that validate it:
 * each request field not in the path (see pathParamsSchema) is a query parameter (GET) or a property
 * of the body's schema (POST), required when its rules refuse the value an omitted field reads as.
 */
function openApiDetail(route: GatewayRoute): Record<string, unknown> {
  const input: DescMessage = route.rpc.input;
  const inPath = new Set([...route.path.matchAll(TEMPLATE_FIELD)].map((m) => m[1]));
  const scratch: Record<string, Schema> = {}; // messages are documented once, under components
  const base = {
    tags: ["REST gateway"],
    summary: route.summary,
    description: `Transcoded to ${route.rpc.parent.typeName}/${route.rpc.name}.`,
    responses: {
      "200": {
        description: "OK",
        content: { "application/json": { schema: schemaRef(route.rpc.output.typeName) } },
      },
      default: errorResponse,
    },
  };
  if (route.http === "GET") {
    const queryParameters = input.fields
      .filter((f) => !inPath.has(f.name))
      .map((f) => {
        const { required } = fieldSchema(f, scratch, {});
        return { name: f.jsonName, in: "query", required, schema: { type: "string", ...textKeywords(f) } };
      });
    return { ...base, parameters: queryParameters };
  }
  return {
    ...base,
    requestBody: { required: true, content: { "application/json": { schema: schemaRef(input.typeName) } } },
  };
}
