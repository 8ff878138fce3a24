import type { DescField } from "@bufbuild/protobuf";
import { t } from "elysia";
import { fieldSchema } from "../openapi/json-schema.ts";

/**
 * An Elysia (TypeBox) schema for a REST body field that carries a proto integer field as a plain JSON
 * number: a whole number within the field's type and protovalidate bounds, described by its .proto
 * comment. REST routes validate and document with it, so their rules are the contract's, written once
 * in the .proto file.
 */
export function protoIntegerField(field: DescField, docs: Readonly<Record<string, string>> = {}) {
  const { schema } = fieldSchema(field, {}, docs);
  if (schema.type !== "integer") {
    throw new Error(`${field.parent.typeName}.${field.name} is not a 32-bit integer field`);
  }
  // TypeBox checks `format` against its own registry (no "uint32" there): the bounds say it instead.
  const { type: _type, format: _format, ...keywords } = schema;
  return t.Number({ multipleOf: 1, ...keywords });
}

/**
 * Elysia's `parse` for a body read strictly (strictJsonObject, in a transform hook): the raw text
 * whatever the content type (`curl -d` sends a form type), while the OpenAPI document still says
 * application/json — Elysia documents a route's body by the named parsers it lists ("json"), and the
 * function before it answers first. JSON.parse alone would hide a key given twice.
 */
export const rawJsonBody = [({ request }: { request: Request }) => request.text(), "json"] as const;
