// The parts of sqlc's GenerateRequest / GenerateResponse (protos/plugin/codegen.proto, marshalled by
// protojson with proto field names and every field present) that this plugin reads or writes.
// Protocol notes: shared/reference/sqlc-plugin/SQLC_JSON_PLUGIN.md.

export interface Identifier {
  catalog: string;
  schema: string;
  name: string;
}

export interface Column {
  name: string;
  not_null: boolean;
  is_array: boolean;
  array_dims: number;
  is_named_param: boolean;
  type: Identifier | null;
  table: Identifier | null;
  is_sqlc_slice: boolean;
  embed_table: Identifier | null;
}

export interface Parameter {
  number: number;
  column: Column;
}

export interface Query {
  text: string;
  name: string;
  cmd: string;
  columns: Column[];
  params: Parameter[];
  comments: string[];
  filename: string;
}

export interface Enum {
  name: string;
  vals: string[];
}

export interface Schema {
  name: string;
  enums: Enum[];
}

export interface GenerateRequest {
  settings: { engine: string };
  catalog: { default_schema: string; schemas: Schema[] };
  queries: Query[];
  sqlc_version: string;
}

export interface GeneratedFile {
  name: string;
  contents: string;
}

/** The response sqlc reads from stdout: `contents` is base64 (a proto `bytes` field). */
export function encodeResponse(files: GeneratedFile[]): string {
  return JSON.stringify({
    files: files.map((f) => ({ name: f.name, contents: Buffer.from(f.contents).toString("base64") })),
  });
}
