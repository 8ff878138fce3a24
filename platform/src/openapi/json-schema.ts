import { type DescField, type DescMessage, getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

export type Schema = Record<string, unknown>;

export const schemaRef = (typeName: string): Schema => ({ $ref: `#/components/schemas/${typeName}` });

/** Well-known types have their own proto3 JSON shapes. */
const WELL_KNOWN: Record<string, Schema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?s$" },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
};

/** proto3 JSON mapping of scalars: 64-bit integers are strings on output and accepted as either. */
function scalarSchema(type: ScalarType): Schema {
  switch (type) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0, maximum: 4294967295 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: ["string", "integer"], format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ["string", "integer"], format: "uint64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
  }
}

interface Bounds {
  greaterThan: { case: "gt" | "gte" | undefined; value?: number | bigint };
  lessThan: { case: "lt" | "lte" | undefined; value?: number | bigint };
}

function applyBounds(schema: Schema, rules: Bounds): void {
  const { greaterThan: low, lessThan: high } = rules;
  if (low.case === "gt") schema.exclusiveMinimum = Number(low.value);
  if (low.case === "gte") schema.minimum = Number(low.value);
  if (high.case === "lt") schema.exclusiveMaximum = Number(high.value);
  if (high.case === "lte") schema.maximum = Number(high.value);
}

/** The protovalidate rules JSON Schema can say, so Swagger UI shows the limits the server enforces. */
function applyRules(schema: Schema, field: DescField, required: string[]): void {
  if (!hasOption(field, fieldRules)) return;
  const rules = getOption(field, fieldRules);
  if (rules.required) required.push(field.jsonName);
  const typed = rules.type;
  switch (typed.case) {
    case "int32":
    case "uint32":
    case "int64":
    case "uint64":
    case "sint32":
    case "sint64":
    case "fixed32":
    case "fixed64":
    case "sfixed32":
    case "sfixed64":
    case "double":
    case "float":
      applyBounds(schema, typed.value as unknown as Bounds);
      break;
    case "string":
      if (typed.value.minLen) schema.minLength = Number(typed.value.minLen);
      if (typed.value.maxLen) schema.maxLength = Number(typed.value.maxLen);
      if (typed.value.pattern) schema.pattern = typed.value.pattern;
      break;
    case "repeated":
      if (typed.value.minItems) schema.minItems = Number(typed.value.minItems);
      if (typed.value.maxItems) schema.maxItems = Number(typed.value.maxItems);
      break;
  }
}

/**
 * Collects JSON Schemas (proto3 JSON mapping) for messages into `schemas`, keyed by full type name,
 * and returns a $ref to the one asked for. Descriptions come from the .proto comments (`docs`).
 */
export function messageSchema(
  message: DescMessage,
  schemas: Record<string, Schema>,
  docs: Readonly<Record<string, string>>,
): Schema {
  const known = WELL_KNOWN[message.typeName];
  if (known) return known;
  if (schemas[message.typeName]) return schemaRef(message.typeName);
  schemas[message.typeName] = {}; // placeholder first: messages may refer to themselves
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const field of message.fields) {
    const item = (): Schema => {
      if (field.message) return messageSchema(field.message, schemas, docs);
      if (field.enum) return { type: "string", enum: field.enum.values.map((v) => v.name) };
      return scalarSchema(field.scalar as ScalarType);
    };
    let schema: Schema;
    if (field.fieldKind === "list") schema = { type: "array", items: item() };
    else if (field.fieldKind === "map") schema = { type: "object", additionalProperties: item() };
    else schema = { ...item() };
    const doc = docs[`${message.typeName}.${field.name}`];
    if (doc) schema.description = doc;
    applyRules(schema, field, required);
    properties[field.jsonName] = schema;
  }
  const doc = docs[message.typeName];
  schemas[message.typeName] = {
    type: "object",
    title: message.name,
    ...(doc ? { description: doc } : {}),
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
  return schemaRef(message.typeName);
}
