import { describe, expect, test } from "bun:test";
import { create, createFileRegistry, type DescMessage, setExtension } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  DurationSchema,
  EmptySchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  StructSchema,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import {
  FieldRulesSchema,
  field as fieldRulesExt,
  file_buf_validate_validate,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { protoDocs } from "@route256/proto/docs.ts";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { GetProductRequestSchema, ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { connectOpenApi } from "../src/openapi/connect-paths.ts";
import { messageSchema, type Schema, schemaRef } from "../src/openapi/json-schema.ts";
import type { Json } from "./support/json.ts";

const api = connectOpenApi([ProductService], protoDocs);
const paths = api.paths as Json;
const schemas = api.schemas as Json;

describe("connectOpenApi paths", () => {
  test("one POST path per unary method, named /<service>/<method>", () => {
    expect(Object.keys(paths).sort()).toEqual([
      "/products.v1.ProductService/GetProduct",
      "/products.v1.ProductService/ListSkus",
    ]);
    for (const path of Object.values(paths)) expect(Object.keys(path)).toEqual(["post"]);
  });

  test("GetProduct takes a GetProductRequest and answers a GetProductResponse", () => {
    const post = paths["/products.v1.ProductService/GetProduct"].post;
    expect(post.operationId).toBe("products.v1.ProductService.GetProduct");
    expect(post.tags).toEqual(["products.v1.ProductService"]);
    expect(post.summary).toBe("GetProduct");
    expect(post.requestBody.required).toBe(true);
    expect(post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/products.v1.GetProductRequest",
    });
    expect(post.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/products.v1.GetProductResponse",
    });
    expect(post.responses.default.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/connect.Error",
    });
  });

  test("a method's description is its proto comment plus a protocol note", () => {
    const post = paths["/products.v1.ProductService/GetProduct"].post;
    expect(post.description).toStartWith(
      "GetProduct returns one product; NOT_FOUND when no product has the sku.\n\n",
    );
    expect(post.description).toContain("gRPC-Web");
  });

  test("a method without a comment still gets the protocol note", () => {
    const post = (connectOpenApi([ProductService], {}).paths as Json)["/products.v1.ProductService/ListSkus"]
      .post;
    expect(post.description).toBe("\n\nConnect protocol, JSON. The same path serves gRPC and gRPC-Web.");
  });

  test("every $ref points at a collected schema", () => {
    const refs = JSON.stringify({ paths, schemas }).match(/#\/components\/schemas\/[\w.]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(schemas).toHaveProperty([ref.slice("#/components/schemas/".length)]);
  });

  test("the connect.Error schema lists every Connect code", () => {
    expect(schemas["connect.Error"].properties.code.enum).toHaveLength(16);
    expect(schemas["connect.Error"].properties.code.enum).toContain("invalid_argument");
  });

  test("examples pre-fill the request body only where given", () => {
    const withExamples = connectOpenApi([ProductService], protoDocs, {
      "products.v1.GetProductRequest": { sku: "1076963" },
    }).paths as Json;
    expect(
      withExamples["/products.v1.ProductService/GetProduct"].post.requestBody.content["application/json"],
    ).toEqual({
      schema: { $ref: "#/components/schemas/products.v1.GetProductRequest" },
      example: { sku: "1076963" },
    });
    const list =
      withExamples["/products.v1.ProductService/ListSkus"].post.requestBody.content["application/json"];
    expect(list).not.toHaveProperty("example");
    expect(
      paths["/products.v1.ProductService/GetProduct"].post.requestBody.content["application/json"],
    ).not.toHaveProperty("example");
  });

  test("several services share one schema table", () => {
    const both = connectOpenApi([ProductService, OrderService], protoDocs);
    expect(Object.keys(both.paths)).toContain("/loms.v1.OrderService/OrderCreate");
    expect(Object.keys(both.paths)).toContain("/products.v1.ProductService/GetProduct");
    expect(both.schemas).toHaveProperty(["loms.v1.Item"]);
    expect(both.schemas).toHaveProperty(["products.v1.Product"]);
  });
});

describe("message schemas", () => {
  test("GetProductRequest.sku is a required int64 greater than 0, as a string of digits or an integer", () => {
    const req = schemas["products.v1.GetProductRequest"];
    expect(req).toEqual({
      type: "object",
      title: "GetProductRequest",
      description: "GetProductRequest asks for one product.",
      properties: {
        sku: {
          type: ["string", "integer"],
          format: "int64",
          pattern: "^-?[0-9]+$",
          description: "Product stock keeping unit.",
          exclusiveMinimum: 0,
        },
      },
      required: ["sku"],
    });
  });

  test("ListSkusRequest: count is a uint32 from 1 to 1000, properties use JSON names", () => {
    const req = schemas["products.v1.ListSkusRequest"];
    expect(req.properties.count).toEqual({
      type: "integer",
      format: "uint32",
      minimum: 1,
      maximum: 1000,
      description: "Products to return, from 1 to 1000.",
    });
    expect(req.properties.startAfterSku).toMatchObject({ type: ["string", "integer"], minimum: 0 });
    expect(req.properties.startAfterSku.description).toBe(
      "Return products with a sku strictly greater than this; 0 starts at the beginning.",
    );
    expect(req.properties).not.toHaveProperty("start_after_sku");
  });

  test("message and list fields refer to the message schema, with the field's comment", () => {
    expect(schemas["products.v1.GetProductResponse"].properties.product).toEqual({
      $ref: "#/components/schemas/products.v1.Product",
      description: "The product with the requested sku.",
    });
    expect(schemas["products.v1.ListSkusResponse"].properties.products).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/products.v1.Product" },
      description: "Up to count products in ascending sku order; fewer at the end.",
    });
    expect(schemas["products.v1.Product"]).toMatchObject({
      title: "Product",
      description: "Product is one catalog entry.",
      properties: {
        sku: { type: ["string", "integer"], format: "int64" },
        name: { type: "string", description: "Human-readable name." },
        price: { type: "integer", format: "uint32", minimum: 0, maximum: 4294967295 },
      },
    });
  });

  test("repeated rules become minItems", () => {
    const loms = connectOpenApi([OrderService], protoDocs).schemas as Json;
    expect(loms["loms.v1.OrderCreateRequest"].properties.items).toMatchObject({
      type: "array",
      minItems: 1,
      items: { $ref: "#/components/schemas/loms.v1.Item" },
    });
    expect(loms["loms.v1.Item"].properties.count).toMatchObject({ type: "integer", exclusiveMinimum: 0 });
  });

  test("without comments there are no descriptions", () => {
    const bare = connectOpenApi([ProductService], {}).schemas as Json;
    expect(bare["products.v1.GetProductRequest"]).not.toHaveProperty("description");
    expect(bare["products.v1.GetProductRequest"].properties.sku).not.toHaveProperty("description");
  });

  test("an already collected message is only referred to", () => {
    const table: Record<string, Schema> = {};
    expect(messageSchema(GetProductRequestSchema, table, {})).toEqual(
      schemaRef("products.v1.GetProductRequest"),
    );
    const first = table["products.v1.GetProductRequest"];
    messageSchema(GetProductRequestSchema, table, {});
    expect(table["products.v1.GetProductRequest"]).toBe(first!);
  });

  test("well-known types are inlined in their proto3 JSON shape", () => {
    const table: Record<string, Schema> = {};
    expect(messageSchema(TimestampSchema, table, {})).toEqual({ type: "string", format: "date-time" });
    expect(messageSchema(DurationSchema, table, {})).toMatchObject({ type: "string" });
    expect(messageSchema(EmptySchema, table, {})).toEqual({ type: "object" });
    expect(messageSchema(StructSchema, table, {})).toEqual({ type: "object", additionalProperties: true });
    expect(table).toEqual({});
  });

  test("a message that contains itself refers to itself instead of recursing", () => {
    const table: Record<string, Schema> = {};
    messageSchema(DescriptorProtoSchema, table, {});
    const descriptor = table["google.protobuf.DescriptorProto"] as Json;
    expect(descriptor.properties.nestedType).toEqual({
      type: "array",
      items: { $ref: "#/components/schemas/google.protobuf.DescriptorProto" },
    });
  });
});

describe("message schemas of a hand-built descriptor", () => {
  // Rules no contract uses yet: string limits, required, plus enums and maps.
  const { STRING, INT32, ENUM, MESSAGE, DOUBLE } = FieldDescriptorProto_Type;
  const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
  const rules = (init: Parameters<typeof create<typeof FieldRulesSchema>>[1]) => {
    const options = create(FieldOptionsSchema);
    setExtension(options, fieldRulesExt, create(FieldRulesSchema, init));
    return options;
  };
  const file = create(FileDescriptorProtoSchema, {
    name: "test/v1/shapes.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: ["buf/validate/validate.proto"],
    enumType: [
      {
        name: "Color",
        value: [
          { name: "COLOR_UNSPECIFIED", number: 0 },
          { name: "COLOR_RED", number: 1 },
        ],
      },
    ],
    messageType: [
      {
        name: "Shape",
        field: [
          {
            name: "display_name",
            jsonName: "displayName",
            number: 1,
            type: STRING,
            label: OPTIONAL,
            options: rules({
              required: true,
              type: { case: "string", value: { minLen: 1n, maxLen: 64n, pattern: "^[a-z ]+$" } },
            }),
          },
          {
            name: "color",
            jsonName: "color",
            number: 2,
            type: ENUM,
            typeName: ".test.v1.Color",
            label: OPTIONAL,
          },
          {
            name: "sides",
            jsonName: "sides",
            number: 3,
            type: INT32,
            label: OPTIONAL,
            options: rules({
              type: {
                case: "int32",
                value: { greaterThan: { case: "gte", value: 3 }, lessThan: { case: "lt", value: 100 } },
              },
            }),
          },
          {
            name: "labels",
            jsonName: "labels",
            number: 4,
            type: MESSAGE,
            typeName: ".test.v1.Shape.LabelsEntry",
            label: REPEATED,
          },
          {
            name: "weight",
            jsonName: "weight",
            number: 5,
            type: DOUBLE,
            label: OPTIONAL,
            options: rules({
              type: {
                case: "double",
                value: { greaterThan: { case: "gt", value: 0 }, lessThan: { case: "lte", value: 1.5 } },
              },
            }),
          },
          {
            name: "tags",
            jsonName: "tags",
            number: 6,
            type: STRING,
            label: REPEATED,
            options: rules({ type: { case: "repeated", value: { minItems: 1n, maxItems: 5n } } }),
          },
        ],
        nestedType: [
          {
            name: "LabelsEntry",
            options: { mapEntry: true },
            field: [
              { name: "key", jsonName: "key", number: 1, type: STRING, label: OPTIONAL },
              { name: "value", jsonName: "value", number: 2, type: STRING, label: OPTIONAL },
            ],
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === "buf/validate/validate.proto" ? file_buf_validate_validate : undefined,
  );
  const shape = registry.getMessage("test.v1.Shape") as DescMessage;
  const table: Record<string, Schema> = {};
  messageSchema(shape, table, { "test.v1.Shape.color": "The fill." });
  const schema = table["test.v1.Shape"] as Json;

  test("string rules become minLength, maxLength and pattern; fields whose rules refuse the zero value are required", () => {
    expect(schema.properties.displayName).toEqual({
      type: "string",
      minLength: 1,
      maxLength: 64,
      pattern: "^[a-z ]+$",
    });
    // Each refuses its zero value: displayName min_len 1, sides gte 3, weight gt 0, tags min_items 1.
    expect(schema.required).toEqual(["displayName", "sides", "weight", "tags"]);
  });

  test("enums are their value names", () => {
    expect(schema.properties.color).toEqual({
      type: "string",
      enum: ["COLOR_UNSPECIFIED", "COLOR_RED"],
      description: "The fill.",
    });
  });

  test("gte/lt and gt/lte bounds", () => {
    expect(schema.properties.sides).toEqual({
      type: "integer",
      format: "int32",
      minimum: 3,
      exclusiveMaximum: 100,
    });
    expect(schema.properties.weight).toEqual({ type: "number", exclusiveMinimum: 0, maximum: 1.5 });
  });

  test("maps are objects of their value type", () => {
    expect(schema.properties.labels).toEqual({ type: "object", additionalProperties: { type: "string" } });
    expect(table).not.toHaveProperty(["test.v1.Shape.LabelsEntry"]);
  });

  test("repeated limits become minItems and maxItems", () => {
    expect(schema.properties.tags).toEqual({
      type: "array",
      items: { type: "string" },
      minItems: 1,
      maxItems: 5,
    });
  });
});
