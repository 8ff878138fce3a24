// Generated files are formatted by the repository's own Biome (version from package.json, style from biome.json),
// so the committed code passes `biome check` and `sqlc diff` compares like with like.
import { dirname, join } from "node:path";
import type { GeneratedFile } from "./request.ts";

/** The native Biome binary in node_modules: the `biome` launcher needs node on PATH, which sqlc does not pass. */
export function findBiome(repoRoot: string): string {
  const base = `@biomejs/cli-${process.platform}-${process.arch}`;
  for (const pkg of [base, `${base}-musl`]) {
    try {
      const dir = dirname(Bun.resolveSync(`${pkg}/package.json`, repoRoot));
      return join(dir, process.platform === "win32" ? "biome.exe" : "biome");
    } catch {
      // try the next variant
    }
  }
  throw new Error(`no ${base} package in ${repoRoot}/node_modules: run 'npm ci'`);
}

export function formatFiles(files: GeneratedFile[], repoRoot: string): GeneratedFile[] {
  const biome = findBiome(repoRoot);
  return files.map((f) => {
    const run = Bun.spawnSync([biome, "format", `--config-path=${repoRoot}`, `--stdin-file-path=${f.name}`], {
      cwd: repoRoot,
      stdin: Buffer.from(f.contents),
      stdout: "pipe",
      stderr: "pipe",
      env: {},
    });
    if (run.exitCode !== 0) {
      throw new Error(`biome format failed on ${f.name}:\n${run.stderr.toString()}${f.contents}`);
    }
    return { name: f.name, contents: run.stdout.toString() };
  });
}
