// sqlc process plugin (format: json). sqlc runs `<cmd> /plugin.CodegenService/Generate` with the
// GenerateRequest on stdin and reads a GenerateResponse from stdout: nothing else may go to stdout.
// Problems go to stderr with exit code 1; sqlc shows them as "process: error running command <stderr>".
import { resolve } from "node:path";
import { formatFiles } from "./format.ts";
import { generate, PluginError } from "./generate.ts";
import { encodeResponse, type GenerateRequest } from "./request.ts";

const METHOD = "/plugin.CodegenService/Generate";
const repoRoot = resolve(import.meta.dir, "../../..");

function fail(message: string): never {
  process.stderr.write(`sqlc-gen-pgjs: ${message}\n`);
  process.exit(1);
}

if (process.argv[2] !== METHOD) fail(`expected the argument ${METHOD} (this program is run by sqlc)`);

let req: GenerateRequest;
try {
  req = JSON.parse(await Bun.stdin.text());
} catch (e) {
  fail(`stdin is not a JSON GenerateRequest (set format: json in the sqlc plugin config): ${e}`);
}

try {
  const files = formatFiles(generate(req), repoRoot);
  await Bun.write(Bun.stdout, encodeResponse(files));
} catch (e) {
  if (e instanceof PluginError) fail(`cannot generate:\n  ${e.problems.join("\n  ")}`);
  fail(e instanceof Error ? e.message : String(e));
}
