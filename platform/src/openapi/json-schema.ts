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
      return { type: ["string", "integer"], format: "int64", pattern: "^-?[0-9]+$" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ["string", "integer"], format: "uint64", pattern: "^[0-9]+$" };
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

interface NumberRules {
  greaterThan: { case: "gt" | "gte" | undefined; value?: number | bigint };
  lessThan: { case: "lt" | "lte" | undefined; value?: number | bigint };
  in: readonly (number | bigint)[];
}

/** Bounds and `in` of a numeric field; true when they refuse 0, the value of an omitted field. */
function applyNumberRules(schema: Schema, rules: NumberRules): boolean {
  const { greaterThan: low, lessThan: high } = rules;
  const bound = (v: number | bigint | undefined) => Number(v ?? 0);
  let refusesZero = false;
  if (low.case === "gt") {
    schema.exclusiveMinimum = bound(low.value);
    refusesZero ||= bound(low.value) >= 0;
  }
  if (low.case === "gte") {
    schema.minimum = bound(low.value);
    refusesZero ||= bound(low.value) > 0;
  }
  if (high.case === "lt") {
    schema.exclusiveMaximum = bound(high.value);
    refusesZero ||= bound(high.value) <= 0;
  }
  if (high.case === "lte") {
    schema.maximum = bound(high.value);
    refusesZero ||= bound(high.value) < 0;
  }
  if (rules.in.length > 0) {
    schema.enum = rules.in.map(Number);
    refusesZero ||= !rules.in.some((v) => Number(v) === 0);
  }
  return refusesZero;
}

/**
 * The protovalidate rules of a field that JSON Schema can say, written into its schema, so the
 * documents promise what the server enforces. Returns whether the field is required: proto3 JSON
 * reads an omitted field as its zero value, so any rule that refuses zero ("gt: 0", "min_items: 1",
 * "min_len: 1") makes the field one a request cannot leave out.
 */
function applyRules(schema: Schema, field: DescField): boolean {
  if (!hasOption(field, fieldRules)) return false;
  const rules = getOption(field, fieldRules);
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
      return applyNumberRules(schema, typed.value as unknown as NumberRules) || rules.required;
    case "string": {
      const r = typed.value;
      const minLen = Number(r.len || r.minLen);
      if (minLen) schema.minLength = minLen;
      if (r.len || r.maxLen) schema.maxLength = Number(r.len || r.maxLen);
      if (r.pattern) schema.pattern = r.pattern;
      if (r.in.length > 0) schema.enum = [...r.in];
      return minLen > 0 || (r.in.length > 0 && !r.in.includes("")) || rules.required;
    }
    case "enum": {
      const values = (field.enum?.values ?? []).filter(
        (v) =>
          (typed.value.in.length === 0 || typed.value.in.includes(v.number)) &&
          !typed.value.notIn.includes(v.number),
      );
      schema.enum = values.map((v) => v.name);
      return !values.some((v) => v.number === 0) || rules.required;
    }
    case "repeated":
      if (typed.value.minItems) schema.minItems = Number(typed.value.minItems);
      if (typed.value.maxItems) schema.maxItems = Number(typed.value.maxItems);
      return typed.value.minItems > 0n || rules.required;
    default:
      return rules.required;
  }
}

/** A field's JSON Schema (proto3 JSON mapping) and whether a request may leave it out. */
export function fieldSchema(
  field: DescField,
  schemas: Record<string, Schema>,
  docs: Readonly<Record<string, string>>,
): { schema: Schema; required: boolean } {
  const item = (): Schema => {
    if (field.message) return messageSchema(field.message, schemas, docs);
    if (field.enum) return { type: "string", enum: field.enum.values.map((v) => v.name) };
    return scalarSchema(field.scalar as ScalarType);
  };
  let schema: Schema;
  if (field.fieldKind === "list") schema = { type: "array", items: item() };
  else if (field.fieldKind === "map") schema = { type: "object", additionalProperties: item() };
  else schema = { ...item() };
  const doc = docs[`${field.parent.typeName}.${field.name}`];
  if (doc) schema.description = doc;
  const required = applyRules(schema, field);
  return { schema, required };
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
    const { schema, required: needed } = fieldSchema(field, schemas, docs);
    properties[field.jsonName] = schema;
    if (needed) required.push(field.jsonName);
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
