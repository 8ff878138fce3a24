// The real sqlc (scripts/ensure-sqlc.sh installs it into .tools/bin) on testdata/, laid out as the project
// lays out sql/: a config in a subdirectory, run from the repository root, the plugin cmd relative to the root.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expectedDir, readDir, repoRoot, testdata } from "./support.ts";

const sqlcBin = join(repoRoot, ".tools/bin/sqlc");
const work = mkdtempSync(join(tmpdir(), "sqlc-gen-pgjs-e2e-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sqlc(...args: string[]) {
  if (!existsSync(sqlcBin)) {
    throw new Error(`${sqlcBin} is missing: run scripts/ensure-sqlc.sh (or 'just sqlc-gen') to install sqlc`);
  }
  const run = Bun.spawnSync([sqlcBin, ...args], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
  return { exitCode: run.exitCode, output: run.stdout.toString() + run.stderr.toString() };
}

/** A copy of testdata's schema and queries under a fresh directory, with the given sqlc.yaml. */
function project(name: string, config: string): string {
  const dir = join(work, name);
  cpSync(join(testdata, "migrations"), join(dir, "migrations"), { recursive: true });
  cpSync(join(testdata, "queries"), join(dir, "queries"), { recursive: true });
  writeFileSync(join(dir, "sqlc.yaml"), config);
  return dir;
}

describe("sqlc v1.31.1 with tools/sqlc-gen-pgjs", () => {
  test("sqlc generate writes exactly the golden files", async () => {
    const dir = project(
      "plugin",
      `version: "2"
plugins:
  - name: pgjs
    process:
      cmd: ./tools/sqlc-gen-pgjs/sqlc-gen-pgjs
      format: json
sql:
  - engine: postgresql
    schema: migrations
    queries: queries
    codegen:
      - plugin: pgjs
        out: gen
`,
    );
    const config = relative(repoRoot, join(dir, "sqlc.yaml"));
    const gen = sqlc("generate", "-f", config);
    expect(gen.output).toBe("");
    expect(gen.exitCode).toBe(0);
    expect(await readDir(join(dir, "gen"))).toEqual(await readDir(expectedDir));
    // `sqlc diff` (usable as a staleness check) agrees with what generate wrote
    const diff = sqlc("diff", "-f", config);
    expect(diff.output).toBe("");
    expect(diff.exitCode).toBe(0);
  });

  test("the committed request fixture is what sqlc's json generator produces from testdata", async () => {
    const dir = project("fixture", await Bun.file(join(testdata, "sqlc.yaml")).text());
    const gen = sqlc("generate", "-f", join(dir, "sqlc.yaml"));
    expect(gen.output).toBe("");
    expect(gen.exitCode).toBe(0);
    const fresh = await Bun.file(join(dir, "request.json")).text();
    const committed = await Bun.file(join(testdata, "request.json")).text();
    if (fresh !== committed) {
      throw new Error("testdata/request.json is stale: run 'just sqlc-golden' and commit the result");
    }
  });

  test("a plugin failure fails sqlc generate with the plugin's message", async () => {
    const dir = project(
      "failure",
      `version: "2"
plugins:
  - name: pgjs
    process:
      cmd: ./tools/sqlc-gen-pgjs/sqlc-gen-pgjs
      format: json
sql:
  - engine: postgresql
    schema: migrations
    queries: queries
    codegen:
      - plugin: pgjs
        out: gen
`,
    );
    await Bun.write(
      join(dir, "queries/orders.sql"),
      "-- name: SetComment :exec\nUPDATE orders SET comment = $1 WHERE id IN (sqlc.slice(ids));\n",
    );
    const gen = sqlc("generate", "-f", join(dir, "sqlc.yaml"));
    expect(gen.exitCode).not.toBe(0);
    expect(gen.output).toContain("query SetComment: sqlc.slice() is not supported");
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });
});
