// CustomResourceDefinitions → the JSON schemas kubeconform validates custom resources with, one file per
// kind and version, strict the way the API server's strict field validation is: an object that lists its
// properties takes no other field, unless the CRD keeps unknown fields there
// (x-kubernetes-preserve-unknown-fields) or says what the other fields are (additionalProperties).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, unknown>;

export interface CrdSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: Json;
}

interface Crd {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Json } }[];
  };
}

/** The schema of every served version of a CRD, strict, with apiVersion and kind pinned to it. */
export function crdSchemas(doc: unknown): CrdSchema[] {
  const crd = doc as Crd;
  const group = crd.spec?.group;
  const kind = crd.spec?.names?.kind;
  if (crd.kind !== "CustomResourceDefinition" || !group || !kind) {
    throw new Error("not a CustomResourceDefinition with spec.group and spec.names.kind");
  }
  return (crd.spec?.versions ?? [])
    .filter((v) => v.served !== false && v.schema?.openAPIV3Schema)
    .map((v) => {
      const schema = strict(structuredClone(v.schema?.openAPIV3Schema) as Json);
      const properties = (schema.properties ?? {}) as Json;
      properties.apiVersion = { type: "string", enum: [`${group}/${v.name}`] };
      properties.kind = { type: "string", enum: [kind] };
      schema.properties = properties;
      schema.required = [...new Set([...((schema.required as string[]) ?? []), "apiVersion", "kind"])];
      return { group, kind, version: v.name, schema };
    });
}

/** Adds additionalProperties: false to every object schema that lists properties and allows no more. */
export function strict(node: Json): Json {
  if (
    node.properties &&
    node.additionalProperties === undefined &&
    node["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    node.additionalProperties = false;
  }
  for (const key of ["properties", "patternProperties"]) {
    for (const child of Object.values((node[key] ?? {}) as Record<string, Json>)) strict(child);
  }
  for (const key of ["items", "additionalProperties", "not"]) {
    const child = node[key];
    if (child && typeof child === "object" && !Array.isArray(child)) strict(child as Json);
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    for (const child of (node[key] ?? []) as Json[]) strict(child);
  }
  return node;
}

/**
 * Writes the schemas where kubeconform's schema location template
 * `<dir>/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json` finds them; returns that template.
 * A CRD leaves `metadata` to the API server (`type: object`); given `objectMeta`, a $ref to the Kubernetes
 * schema of ObjectMeta, custom resources get the same strict metadata check as built-in kinds.
 */
export function writeForKubeconform(schemas: readonly CrdSchema[], dir: string, objectMeta?: string): string {
  for (const s of schemas) {
    const schema = objectMeta
      ? { ...s.schema, properties: { ...(s.schema.properties as Json), metadata: { $ref: objectMeta } } }
      : s.schema;
    mkdirSync(join(dir, s.group), { recursive: true });
    writeFileSync(join(dir, s.group, `${s.kind.toLowerCase()}_${s.version}.json`), JSON.stringify(schema));
  }
  return join(dir, "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json");
}
