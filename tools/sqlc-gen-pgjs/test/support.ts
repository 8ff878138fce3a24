// Shared by the sqlc-gen-pgjs tests: paths, running the plugin the way sqlc does, reading golden files.
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const pluginDir = resolve(import.meta.dir, "..");
export const repoRoot = resolve(pluginDir, "../..");
export const testdata = join(pluginDir, "testdata");
export const expectedDir = join(testdata, "expected");
export const wrapper = join(pluginDir, "sqlc-gen-pgjs");
export const METHOD = "/plugin.CodegenService/Generate";

export interface PluginRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the wrapper as sqlc does: one argument, the request on stdin, an environment without PATH. */
export function runPlugin(request: string, args: string[] = [METHOD]): PluginRun {
  const run = Bun.spawnSync([wrapper, ...args], {
    stdin: Buffer.from(request),
    stdout: "pipe",
    stderr: "pipe",
    env: { SQLC_VERSION: "v1.31.1" },
  });
  return { exitCode: run.exitCode ?? -1, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

/** The files of a GenerateResponse, decoded, by name. */
export function decodeResponse(stdout: string): Map<string, string> {
  const resp = JSON.parse(stdout) as { files: { name: string; contents: string }[] };
  return new Map(resp.files.map((f) => [f.name, Buffer.from(f.contents, "base64").toString("utf8")]));
}

/** Every file of a directory (not recursive), by name. */
export async function readDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) files.set(name, await Bun.file(join(dir, name)).text());
  return files;
}

export async function fixture(): Promise<string> {
  return Bun.file(join(testdata, "request.json")).text();
}
