// Re-creates buf/validate/validate.proto (source text) from the FileDescriptorProto that is
// embedded in the @bufbuild/protovalidate npm package, so `buf generate` can compile protos
// that use (buf.validate.field) annotations without reaching the BSR.
//
//   bun tools/export-validate-proto.ts [outDir=.gen/protovalidate]
//
// After writing, the file is compiled with `buf build` and compared byte for byte with the
// embedded descriptor, so a rendering mistake fails generation instead of changing validation.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  createRegistry,
  type DescExtension,
  type DescFile,
  fromBinary,
  getExtension,
  hasExtension,
  isFieldSet,
  type Message,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { toText } from "@bufbuild/protobuf/txtpb";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as T,
} from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

const file: DescFile = file_buf_validate_validate;
const registry = createRegistry(...collect(file));
function collect(f: DescFile, acc: DescFile[] = []): DescFile[] {
  if (!acc.includes(f)) {
    acc.push(f);
    for (const d of f.dependencies) collect(d, acc);
  }
  return acc;
}
const allExts: DescExtension[] = collect(file).flatMap((f) => f.extensions);

const typeName: Record<number, string> = {
  [T.DOUBLE]: "double",
  [T.FLOAT]: "float",
  [T.INT64]: "int64",
  [T.UINT64]: "uint64",
  [T.INT32]: "int32",
  [T.FIXED64]: "fixed64",
  [T.FIXED32]: "fixed32",
  [T.BOOL]: "bool",
  [T.STRING]: "string",
  [T.BYTES]: "bytes",
  [T.UINT32]: "uint32",
  [T.SFIXED32]: "sfixed32",
  [T.SFIXED64]: "sfixed64",
  [T.SINT32]: "sint32",
  [T.SINT64]: "sint64",
};

/** Render all options set on an options message as ["name = value", ...]. */
function renderOptions(opts: Message | undefined): string[] {
  if (!opts) return [];
  const r = reflect(registry.getMessage(opts.$typeName)!, opts);
  const out: string[] = [];
  for (const f of r.fields) {
    if (!r.isSet(f) || f.fieldKind === "list" || f.fieldKind === "message" || f.fieldKind === "map") {
      if (r.isSet(f)) throw new Error(`unsupported option kind ${f.name}`);
      continue;
    }
    const v = r.get(f);
    if (f.fieldKind === "enum") out.push(`${f.name} = ${f.enum.values.find((e) => e.number === v)!.name}`);
    else if (f.scalar === ScalarType.STRING) out.push(`${f.name} = ${JSON.stringify(v)}`);
    else out.push(`${f.name} = ${String(v)}`);
  }
  for (const ext of allExts) {
    if (ext.extendee.typeName !== opts.$typeName || !hasExtension(opts, ext)) continue;
    const v = getExtension(opts, ext) as never;
    if (ext.fieldKind === "message") {
      const txt = toText(ext.message, v, { registry })
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n");
      out.push(`(${ext.typeName}) = {\n${txt}\n}`);
    } else if (ext.fieldKind === "scalar") {
      out.push(`(${ext.typeName}) = ${ext.scalar === ScalarType.STRING ? JSON.stringify(v) : String(v)}`);
    } else throw new Error(`unsupported extension option ${ext.typeName}`);
  }
  return out;
}
const ind = (s: string, n: number) =>
  s
    .split("\n")
    .map((l) => (l ? " ".repeat(n) + l : l))
    .join("\n");

function fieldLine(fd: FieldDescriptorProto, inOneof: boolean, syntax: string): string {
  let label = "";
  if (!inOneof) {
    if (fd.label === Label.REPEATED) label = "repeated ";
    else if (fd.label === Label.REQUIRED) label = "required ";
    else if (syntax === "proto2" || fd.proto3Optional) label = "optional ";
  }
  const type = fd.type === T.MESSAGE || fd.type === T.ENUM ? fd.typeName : typeName[fd.type];
  if (!type) throw new Error(`unsupported type for ${fd.name}`);
  const opts = renderOptions(fd.options);
  if (fd.defaultValue)
    opts.unshift(`default = ${fd.type === T.STRING ? JSON.stringify(fd.defaultValue) : fd.defaultValue}`);
  const o = opts.length ? ` [\n${opts.map((x) => ind(x, 2)).join(",\n")}\n]` : "";
  return `${label}${type} ${fd.name} = ${fd.number}${o};`;
}

const ranges = (rs: { start: number; end: number }[], exclusiveEnd: boolean) =>
  rs
    .map((r) => {
      const end = exclusiveEnd ? r.end - 1 : r.end;
      return end === r.start ? `${r.start}` : end >= 536870911 ? `${r.start} to max` : `${r.start} to ${end}`;
    })
    .join(", ");

function renderEnum(e: EnumDescriptorProto): string {
  const body: string[] = [];
  for (const o of renderOptions(e.options)) body.push(`option ${o};`);
  for (const v of e.value) {
    const o = renderOptions(v.options);
    body.push(`${v.name} = ${v.number}${o.length ? ` [${o.join(", ")}]` : ""};`);
  }
  if (e.reservedRange.length) body.push(`reserved ${ranges(e.reservedRange, false)};`);
  if (e.reservedName.length)
    body.push(`reserved ${e.reservedName.map((n) => JSON.stringify(n)).join(", ")};`);
  return `enum ${e.name} {\n${body.map((b) => ind(b, 2)).join("\n")}\n}`;
}

const inOneof = (fd: FieldDescriptorProto) =>
  isFieldSet(fd, FieldDescriptorProtoSchema.field.oneofIndex) && !fd.proto3Optional;

function renderMessage(m: DescriptorProto, syntax: string): string {
  const body: string[] = [];
  for (const o of renderOptions(m.options)) body.push(`option ${o};`);
  for (const n of m.nestedType) body.push(renderMessage(n, syntax));
  for (const e of m.enumType) body.push(renderEnum(e));
  // fields in declaration order; consecutive oneof members are grouped into their oneof block
  const emitted = new Set<number>();
  m.field.forEach((fd, i) => {
    if (emitted.has(i)) return;
    if (inOneof(fd)) {
      const od = m.oneofDecl[fd.oneofIndex];
      if (!od) throw new Error(`oneof index ${fd.oneofIndex} missing in ${m.name}`);
      const members = m.field
        .map((x, j) => [x, j] as const)
        .filter(([x]) => inOneof(x) && x.oneofIndex === fd.oneofIndex);
      const lines = renderOptions(od.options).map((o) => `option ${o};`);
      for (const [x, j] of members) {
        lines.push(fieldLine(x, true, syntax));
        emitted.add(j);
      }
      body.push(`oneof ${od.name} {\n${lines.map((l) => ind(l, 2)).join("\n")}\n}`);
      return;
    }
    emitted.add(i);
    body.push(fieldLine(fd, false, syntax));
  });
  if (m.extensionRange.length) body.push(`extensions ${ranges(m.extensionRange, true)};`);
  if (m.reservedRange.length) body.push(`reserved ${ranges(m.reservedRange, true)};`);
  if (m.reservedName.length)
    body.push(`reserved ${m.reservedName.map((n) => JSON.stringify(n)).join(", ")};`);
  if (m.extension.length) throw new Error("nested extensions not supported");
  return `message ${m.name} {\n${body.map((b) => ind(b, 2)).join("\n")}\n}`;
}

const fp = file.proto;
const syntax = fp.syntax || "proto2";
if (syntax === "editions") throw new Error("editions not supported");
const parts: string[] = [
  `// GENERATED by scripts/export-validate-proto.ts from the descriptor embedded in\n` +
    `// @bufbuild/protovalidate@${JSON.parse(readFileSync(new URL("../node_modules/@bufbuild/protovalidate/package.json", import.meta.url), "utf8")).version}` +
    ` (Apache-2.0, Buf Technologies). Comments are not preserved.\n` +
    `syntax = "${syntax}";`,
  `package ${fp.package};`,
  fp.dependency.map((d) => `import "${d}";`).join("\n"),
  renderOptions(fp.options)
    .map((o) => `option ${o};`)
    .join("\n"),
];
// top-level extensions grouped by extendee
const byExtendee = new Map<string, FieldDescriptorProto[]>();
for (const x of fp.extension) byExtendee.set(x.extendee, [...(byExtendee.get(x.extendee) ?? []), x]);
for (const [extendee, xs] of byExtendee)
  parts.push(`extend ${extendee} {\n${xs.map((x) => ind(fieldLine(x, false, syntax), 2)).join("\n")}\n}`);
for (const m of fp.messageType) parts.push(renderMessage(m, syntax));
for (const e of fp.enumType) parts.push(renderEnum(e));
if (fp.service.length) throw new Error("services not supported");

const outDir = process.argv[2] ?? ".gen/protovalidate";
const outPath = join(outDir, fp.name);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${parts.join("\n\n")}\n`);

/** Compiles the written file with buf and demands the very descriptor it came from. */
function verifyRoundTrip(dir: string): void {
  const proc = Bun.spawnSync(["buf", "build", dir, "--exclude-source-info", "-o", "-#format=binpb"]);
  if (proc.exitCode !== 0) throw new Error(`buf build ${dir}: ${proc.stderr.toString()}`);
  const built = fromBinary(FileDescriptorSetSchema, proc.stdout).file.find((f) => f.name === fp.name);
  if (!built) throw new Error(`buf build ${dir} did not produce ${fp.name}`);
  built.$unknown = built.$unknown?.filter((u) => u.no !== 8042); // buf's image metadata extension
  const a = toBinary(FileDescriptorProtoSchema, built);
  const b = toBinary(FileDescriptorProtoSchema, fp);
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
    throw new Error(
      `${outPath} does not compile back to the embedded descriptor (${a.length} vs ${b.length} bytes)`,
    );
  }
}
verifyRoundTrip(outDir);
console.log(`wrote ${outPath} (verified against the embedded descriptor)`);
