// The import rules of the repository, checked on every file's import statements:
// - no src/ file imports the test kit (testkit/): production never loads spawners or test helpers;
// - there is no platform barrel: platform is imported by module path (@route256/platform/server/one-port);
// - no service's src/ imports another service's code;
// - platform/src never imports a service, and its folders import each other without a cycle
//   (a top-level file such as logger.ts counts as a folder of its own).
// File-level cycles anywhere are Biome's lint/suspicious/noImportCycles (biome.json).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const PACKAGES: Record<string, string> = {
  "@route256/platform/": "platform/src/",
  "@route256/testkit/": "testkit/src/",
};
const SERVICES = ["cart", "loms", "notifier", "products"];

/** Every import specifier of a TypeScript text: static, type-only, re-exports, side-effect and dynamic. */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?"([^"]+)"/g))
    specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) specs.push(m[1]!);
  return specs;
}

/** The repository-relative file an import names, or undefined for an outside package. */
function resolveImport(spec: string, fromFile: string): string | undefined {
  if (spec.startsWith(".")) return relative(ROOT, resolve(ROOT, dirname(fromFile), spec));
  for (const [prefix, dir] of Object.entries(PACKAGES)) {
    if (spec.startsWith(prefix)) return `${dir}${spec.slice(prefix.length)}.ts`;
  }
  return undefined;
}

/** A cycle in a directed graph as a path (first node repeated at the end), or undefined. */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const SKIP = /(^|\/)(node_modules|\.tools|\.run|\.gen|\.git)\//;
const files = [...new Bun.Glob("**/*.ts").scanSync({ cwd: ROOT, dot: true })]
  .filter((f) => !SKIP.test(f) && !f.endsWith(".d.ts"))
  .sort();
const imports = new Map(
  files.map((f) => [
    f,
    importsOf(readFileSync(join(ROOT, f), "utf8")).map((spec) => ({ spec, file: resolveImport(spec, f) })),
  ]),
);
const isSrc = (f: string) => /^[^/]+\/src\//.test(f) && !f.startsWith("testkit/");

describe("import rules", () => {
  test("the scan sees the tree: every workspace's src/ and the test kit", () => {
    for (const ws of [...SERVICES, "platform", "testkit"])
      expect(files.some((f) => f.startsWith(`${ws}/src/`))).toBe(true);
  });

  test("no src/ file imports the test kit", () => {
    const offenders = files.filter(isSrc).flatMap((f) =>
      imports
        .get(f)!
        .filter((i) => i.spec.startsWith("@route256/testkit") || i.file?.startsWith("testkit/"))
        .map((i) => `${f} imports ${i.spec}`),
    );
    expect(offenders).toEqual([]);
  });

  test("no barrel: platform is imported by module path, and every such path exists", () => {
    expect(existsSync(join(ROOT, "platform/src/index.ts"))).toBe(false);
    const offenders = files.flatMap((f) =>
      imports
        .get(f)!
        .filter(
          (i) =>
            i.spec === "@route256/platform" ||
            i.spec === "@route256/testkit" ||
            (i.spec.startsWith("@route256/") && i.file !== undefined && !existsSync(join(ROOT, i.file))),
        )
        .map((i) => `${f} imports ${i.spec}`),
    );
    expect(offenders).toEqual([]);
  });

  test("no service's src/ imports another service", () => {
    // Not even another service's public entry: services are composed outside them (the embedded
    // mode in scripts/embedded-loms.ts), so each stays deployable alone.
    const offenders = files
      .filter((f) => SERVICES.some((s) => f.startsWith(`${s}/src/`)))
      .flatMap((f) => {
        const own = f.split("/")[0];
        return imports
          .get(f)!
          .filter((i) =>
            SERVICES.some(
              (s) =>
                s !== own &&
                (i.spec === `@route256/${s}` ||
                  i.spec.startsWith(`@route256/${s}/`) ||
                  i.file?.startsWith(`${s}/`)),
            ),
          )
          .map((i) => `${f} imports ${i.spec}`);
      });
    expect(offenders).toEqual([]);
  });

  test("platform/src imports no service", () => {
    const offenders = files
      .filter((f) => f.startsWith("platform/src/"))
      .flatMap((f) =>
        imports
          .get(f)!
          .filter((i) =>
            SERVICES.some((s) => i.spec.startsWith(`@route256/${s}`) || i.file?.startsWith(`${s}/`)),
          )
          .map((i) => `${f} imports ${i.spec}`),
      );
    expect(offenders).toEqual([]);
  });

  test("platform's folders import each other without a cycle", () => {
    const folderOf = (f: string) => f.slice("platform/src/".length).split("/")[0]!;
    const edges = new Map<string, Set<string>>();
    for (const f of files.filter((f) => f.startsWith("platform/src/"))) {
      const from = folderOf(f);
      const out = edges.get(from) ?? new Set<string>();
      edges.set(from, out);
      for (const i of imports.get(f)!) {
        if (!i.file?.startsWith("platform/src/")) continue;
        const to = folderOf(i.file);
        if (to !== from) out.add(to);
      }
    }
    expect(edges.size).toBeGreaterThan(10); // the scan found platform's folders
    expect(findCycle(edges)?.join(" → ")).toBeUndefined();
  });

  test("the checks themselves: every import form is seen, and a cycle is found", () => {
    const text = [
      `import { a, type B } from "./a.ts";`,
      `import type {\n  C,\n  D,\n} from "./c.ts";`,
      `export { e } from "./e.ts";`,
      `import "./side.ts";`,
      `const f = await import("./f.ts");`,
      `import * as g from "@route256/testkit/ports";`,
    ].join("\n");
    expect(importsOf(text)).toEqual([
      "./a.ts",
      "./c.ts",
      "./e.ts",
      "./side.ts",
      "@route256/testkit/ports",
      "./f.ts",
    ]);
    const graph = (pairs: [string, string][]) => {
      const edges = new Map<string, Set<string>>();
      for (const [a, b] of pairs) edges.set(a, (edges.get(a) ?? new Set()).add(b));
      return edges;
    };
    expect(
      findCycle(
        graph([
          ["server", "http"],
          ["http", "errors"],
          ["server", "errors"],
        ]),
      ),
    ).toBeUndefined();
    expect(
      findCycle(
        graph([
          ["server", "tracing"],
          ["tracing", "logger.ts"],
          ["logger.ts", "tracing"],
        ]),
      ),
    ).toEqual(["tracing", "logger.ts", "tracing"]);
    expect(resolveImport("@route256/platform/server/one-port", "cart/src/app.ts")).toBe(
      `platform${sep}src${sep}server/one-port.ts`.replaceAll(sep, "/"),
    );
  });
});
