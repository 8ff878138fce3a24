// The README's "Try it" examples, run as a newcomer runs them: `just dev --fresh` (its dependency
// `just protovalidate`, then scripts/dev.ts: LOMS on PGlite, cart and products in memory; dev.ts is
// started directly because the npm `just` launcher does not pass SIGTERM on to it), then every
// ```console block of README.md in order, each command through bash from the repository root, its
// stdout compared with what the README shows under it (readme-examples.ts: `[..]` and `...` mark
// what may vary). A changed answer fails.
//
// Ports: the README calls the fixed ports of `just dev` (8080/8082/8084), which other tests and a
// developer's own `just dev` may hold. This test starts dev.ts on ports the OS gives and rewrites
// `localhost:8080` etc. in each command to them just before running it: the command text is the
// README's byte for byte otherwise, and the services do not know which port they listen on, so the
// answers are the ones the README's own ports would give. The data is fresh: PGlite lives in a
// temporary directory, which `--fresh` empties first.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortRange } from "@route256/testkit/ports";
import { runCommand, runCommandStreams } from "@route256/testkit/run-script";
import type { Subprocess } from "bun";
import { type Example, matches, parseExamples } from "../readme-examples.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
/** The ports the README's examples call, and the variable that moves each service. */
const README_PORTS = { 8080: "CART_PORT", 8082: "PRODUCTS_PORT", 8084: "LOMS_PORT" } as const;
type ReadmePort = keyof typeof README_PORTS;

const examples = parseExamples(readFileSync(join(ROOT, "README.md"), "utf8"));
const ports = new Map<ReadmePort, number>();
let dev: Subprocess<"ignore", "pipe", "pipe">;
let printed = "";
let dataDir: string;

beforeAll(async () => {
  // what `just dev` runs before dev.ts: buf curl --schema proto needs the exported validate.proto
  const gen = await runCommand([join(ROOT, "node_modules/.bin/just"), "protovalidate"], {}, ROOT);
  if (gen.code !== 0) throw new Error(`just protovalidate failed:\n${gen.output}`);
  dataDir = mkdtempSync(join(tmpdir(), "route256-readme-"));
  const pglite = join(dataDir, "pglite");
  mkdirSync(pglite);
  writeFileSync(join(pglite, "left-over"), "from an earlier run");
  // A run of ports below the ephemeral range: no outgoing connection takes one before dev.ts binds it.
  const base = await freePortRange(Object.keys(README_PORTS).length);
  for (const [i, p] of Object.keys(README_PORTS).entries()) ports.set(Number(p) as ReadmePort, base + i);
  const env: Record<string, string> = { LOMS_PGLITE_DIR: pglite, LOG_LEVEL: "warn" };
  for (const [p, name] of Object.entries(README_PORTS))
    env[name] = String(ports.get(Number(p) as ReadmePort));
  dev = Bun.spawn([process.execPath, "scripts/dev.ts", "--fresh"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  // dev.ts says "ready in" once every service's /readyz answers; it exits if one of them dies
  const ready = new Promise<void>((resolve, reject) => {
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        printed += decoder.decode(chunk, { stream: true });
        if (printed.includes("\nready in ") || printed.startsWith("ready in ")) resolve();
      }
    };
    void collect(dev.stdout);
    void collect(dev.stderr);
    void dev.exited.then((code) =>
      reject(new Error(`just dev exited with ${code} before it was ready:\n${printed}`)),
    );
  });
  await ready;
}, 60_000);

afterAll(async () => {
  if (dev) {
    dev.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The README's command with its service ports replaced by the ones this run's services listen on. */
function onTheseServices(command: string): string {
  return command.replace(/\b(localhost|127\.0\.0\.1):(\d+)\b/g, (all, host: string, port: string) => {
    const actual = ports.get(Number(port) as ReadmePort);
    if (actual === undefined)
      throw new Error(`the README calls port ${port}, which \`just dev\` does not serve: ${all}`);
    return `${host}:${actual}`;
  });
}

/** The command through bash from the repository root, with the project's tools (buf, …) on PATH. */
const run = (example: Example) =>
  runCommandStreams(
    ["bash", "-c", onTheseServices(example.command)],
    { PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}` },
    ROOT,
  );

describe("README.md", () => {
  test("has examples for cart, LOMS and products, over curl and buf curl, on just dev's ports", () => {
    for (const port of Object.keys(README_PORTS))
      expect(examples.some((e) => e.command.includes(`localhost:${port}`))).toBe(true);
    expect(examples.some((e) => e.command.startsWith("npx buf curl"))).toBe(true);
    expect(examples.length).toBeGreaterThan(20);
  });

  test("just dev --fresh starts from empty data", () => {
    expect(printed).toContain(`--fresh: removed the embedded data (${join(dataDir, "pglite")})`);
    expect(existsSync(join(dataDir, "pglite", "left-over"))).toBe(false);
  });

  // In README order: the examples build on each other (the order the cart checks out is paid next).
  for (const example of examples) {
    const title = `README.md:${example.line}: ${example.command.split("\n")[0]}`;
    test(title, async () => {
      const { stdout, stderr, code } = await run(example);
      if (!matches(example.expected, stdout)) {
        // the whole story on a mismatch: what the README shows, what came, and anything on stderr
        const indent = (text: string) => `    ${text.trimEnd().replaceAll("\n", "\n    ")}`;
        throw new Error(
          [
            `README.md:${example.line} shows:`,
            indent(example.expected.join("\n")),
            `but the command printed (exit code ${code}):`,
            indent(stdout),
            ...(stderr.trim() ? ["and on stderr:", indent(stderr)] : []),
          ].join("\n"),
        );
      }
    });
  }
});
