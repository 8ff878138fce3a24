import type { DescService } from "@bufbuild/protobuf";
import { messageSchema, type Schema, schemaRef } from "./json-schema.ts";

export interface ConnectOpenApi {
  paths: Record<string, Schema>;
  schemas: Record<string, Schema>;
}

const CONNECT_CODES = [
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/**
 * OpenAPI 3.1 paths for the unary methods of Connect services, as the Connect protocol serves them
 * to plain HTTP clients: POST /<package.Service>/<Method> with a JSON body. Swagger UI's "Try it out"
 * sends exactly such requests, so the docs double as a console. `examples` (by request type name)
 * pre-fill the request body with something that works.
 */
export function connectOpenApi(
  services: readonly DescService[],
  docs: Readonly<Record<string, string>>,
  examples: Readonly<Record<string, unknown>> = {},
): ConnectOpenApi {
  const schemas: Record<string, Schema> = {
    "connect.Error": {
      type: "object",
      title: "Connect error",
      properties: {
        code: { type: "string", enum: CONNECT_CODES },
        message: { type: "string" },
        details: { type: "array", items: { type: "object" } },
      },
    },
  };
  const paths: Record<string, Schema> = {};
  for (const service of services) {
    for (const method of service.methods) {
      if (method.methodKind !== "unary") continue; // streams are not plain JSON POSTs
      const example = examples[method.input.typeName];
      paths[`/${service.typeName}/${method.name}`] = {
        post: {
          tags: [service.typeName],
          summary: method.name,
          description:
            `${docs[`${service.typeName}.${method.name}`] ?? ""}\n\n` +
            "Connect protocol, JSON. The same path serves gRPC and gRPC-Web.",
          operationId: `${service.typeName}.${method.name}`,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: messageSchema(method.input, schemas, docs),
                ...(example === undefined ? {} : { example }),
              },
            },
          },
          responses: {
            "200": {
              description: "OK",
              content: { "application/json": { schema: messageSchema(method.output, schemas, docs) } },
            },
            "415": {
              description:
                "The Content-Type is not one this path serves: application/json or application/proto " +
                "(Connect), application/grpc and application/grpc-web (with +proto or +json); the " +
                "message names them",
              content: { "application/json": { schema: schemaRef("connect.Error") } },
            },
            default: {
              description: "Connect error; the HTTP status follows from the code",
              content: { "application/json": { schema: schemaRef("connect.Error") } },
            },
          },
        },
      };
    }
  }
  return { paths, schemas };
}
