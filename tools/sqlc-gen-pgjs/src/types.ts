// PostgreSQL type → TypeScript type, matching what postgres.js returns when the client is created with
// `types: { bigint: postgres.BigInt }` (int8 parsed to bigint; numeric stays a string to keep its precision).
import type { Column, Enum, GenerateRequest, Identifier } from "./request.ts";

// sqlc reports one type under several spellings: `int8`, `bigint`, `pg_catalog.int8` (in the schema field or
// inside the name), `timestamp with time zone`. Keys are the spelling after normalizeTypeName.
const scalars: Record<string, string> = {};
function map(tsType: string, names: string[]): void {
  for (const n of names) scalars[n] = tsType;
}
map("bigint", ["int8", "bigint", "bigserial", "serial8"]);
map("number", ["int2", "smallint", "smallserial", "serial2", "int4", "int", "integer", "serial", "serial4"]);
map("number", ["float4", "real", "float8", "double precision", "oid"]);
map("string", ["numeric", "decimal", "money"]);
map("boolean", ["bool", "boolean"]);
map("string", ["text", "varchar", "character varying", "bpchar", "char", "character", "name", "citext"]);
map("string", ["uuid", "interval", "time", "timetz", "time without time zone", "time with time zone"]);
map("string", ["inet", "cidr", "macaddr", "xml", "bit", "varbit", "bit varying"]);
map("Date", ["timestamptz", "timestamp", "date", "timestamp with time zone", "timestamp without time zone"]);
map("unknown", ["json", "jsonb"]);
map("Uint8Array", ["bytea"]);

export function normalizeTypeName(t: Identifier): string {
  const full = t.schema ? `${t.schema}.${t.name}` : t.name;
  return full.toLowerCase().replace(/^pg_catalog\./, "");
}

/** A user-defined enum referenced by a query, emitted once per file as a union of string literals. */
export interface EnumType {
  tsName: string;
  values: string[];
}

export class TypeMapper {
  private readonly enums = new Map<string, Enum>();
  private readonly defaultSchema: string;

  constructor(catalog: GenerateRequest["catalog"]) {
    this.defaultSchema = catalog.default_schema || "public";
    for (const schema of catalog.schemas) {
      for (const e of schema.enums) this.enums.set(`${schema.name}.${e.name}`, e);
    }
  }

  /** The TypeScript type of a column or parameter; `used` collects the enums it refers to. */
  tsType(column: Column, used: Map<string, EnumType>): string {
    let base = "unknown";
    if (column.type) {
      const name = normalizeTypeName(column.type);
      base = scalars[name] ?? this.enumType(column.type, used) ?? "unknown";
    }
    const dims = Math.max(column.array_dims, column.is_array ? 1 : 0);
    const t = base + "[]".repeat(dims);
    // `unknown` already includes null
    return column.not_null || t === "unknown" ? t : `${t} | null`;
  }

  private enumType(t: Identifier, used: Map<string, EnumType>): string | undefined {
    let schema = t.schema;
    let name = t.name;
    if (!schema && name.includes(".")) [schema = "", name = ""] = name.split(".", 2);
    const e = this.enums.get(`${schema || this.defaultSchema}.${name}`);
    if (!e) return undefined;
    const tsName = pascalCase(schema && schema !== this.defaultSchema ? `${schema}_${name}` : name);
    used.set(tsName, { tsName, values: e.vals });
    return tsName;
  }
}

export function words(s: string): string[] {
  return s.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
}

export function pascalCase(s: string): string {
  return words(s)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
