// `just dev [--fresh]`: runs every service of the embedded mode as a child process and stops them all on
// Ctrl-C. No external servers are needed. Once all answer, it prints where each one does.
//
// At a terminal the services log one short line per request (LOG_FORMAT=pretty, pino-pretty); piped or
// redirected, they log JSON lines (LOG_FORMAT=json), each prefixed with the service name. LOG_FORMAT
// set by the caller wins either way.
//
// --fresh   forget the embedded data first (LOMS's PGlite directory, LOMS_PGLITE_DIR [.run/pglite]),
//           so order ids start again from the first one and stocks are back to their initial counts.
//           Carts and the catalog live in memory: every start is fresh for them anyway.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { resolveLogFormat } from "@route256/platform/logger";
import type { Subprocess } from "bun";

const USAGE = "usage: just dev [--fresh]";
const args = process.argv.slice(2);
if (args.some((a) => a !== "--fresh")) {
  console.error(USAGE);
  process.exit(2);
}

const root = new URL("..", import.meta.url).pathname;
const env = process.env;
const port = (name: string, byDefault: number) => Number(env[name] || byDefault);
const ports = {
  cart: port("CART_PORT", 8080),
  products: port("PRODUCTS_PORT", 8082),
  loms: port("LOMS_PORT", 8084),
};
const local = (p: number) => `http://127.0.0.1:${p}`;
const pgliteDir = resolve(root, env.LOMS_PGLITE_DIR || ".run/pglite");

if (args.includes("--fresh")) {
  rmSync(pgliteDir, { recursive: true, force: true });
  console.log(`--fresh: removed the embedded data (${pgliteDir})`);
}

// Children write into pipes, so they cannot see the terminal themselves: the format (and colour) is
// decided here, by this process's stdout.
const format = resolveLogFormat(
  env.LOG_FORMAT === "pretty" || env.LOG_FORMAT === "json" ? env.LOG_FORMAT : undefined,
);
const colour =
  format === "pretty" && process.stdout.isTTY && !("NO_COLOR" in env) ? { FORCE_COLOR: "1" } : {};

// Embedded mode: LOMS on PGlite (the same SQL as on the cluster) with the notifier's handler in its
// process (scripts/embedded-loms.ts), cart and products in memory. Cart is pointed at wherever
// products and LOMS listen here. A variable already set in the environment wins.
const SERVICES: { name: keyof typeof ports; entry: string; env: Record<string, string> }[] = [
  { name: "products", entry: "products/src/main.ts", env: {} },
  { name: "loms", entry: "scripts/embedded-loms.ts", env: { LOMS_STORAGE: "pglite" } },
  {
    name: "cart",
    entry: "cart/src/main.ts",
    env: { CART_PRODUCTS_URL: local(ports.products), CART_LOMS_URL: local(ports.loms) },
  },
];

const children: Subprocess[] = [];
const started = performance.now();

/** Copies a child's output line by line; `prefix` names the service (a pretty line already does). */
async function copyLines(prefix: string, stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) out.write(`${prefix}${line}\n`);
  }
  if (rest) out.write(`${prefix}${rest}\n`);
}

let stopping = false;
function stop() {
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
}

for (const { name, entry, env: own } of SERVICES) {
  const child = Bun.spawn([process.execPath, entry], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: { LOG_FORMAT: format, ...colour, ...own, ...env },
  });
  children.push(child);
  const prefix = `${name.padEnd(9)}| `;
  void copyLines(format === "pretty" ? "" : prefix, child.stdout, process.stdout);
  void copyLines(prefix, child.stderr, process.stderr);
  void child.exited.then((code) => {
    if (!stopping) {
      console.error(`${name} exited with ${code}; stopping the rest`);
      stop();
    }
  });
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/** Resolves once every service's /readyz answers 200 (false when one exited first). */
async function allReady(): Promise<boolean> {
  for (const p of Object.values(ports)) {
    while (!stopping) {
      const ok = await fetch(`${local(p)}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await Bun.sleep(100);
    }
  }
  return !stopping;
}

void allReady().then((ready) => {
  if (!ready) return;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const row = (name: string, p: number, what: string) =>
    `  ${name.padEnd(9)}${local(p).padEnd(24)}Swagger UI ${local(p)}/docs   ${what}`;
  console.log(
    [
      `ready in ${seconds} s:`,
      row("cart", ports.cart, "carts in memory"),
      row("products", ports.products, "the catalog in memory"),
      row("loms", ports.loms, `orders and stocks in PGlite: ${pgliteDir} (just dev --fresh starts it anew)`),
      "Ctrl-C stops them all.",
    ].join("\n"),
  );
});

const codes = await Promise.all(children.map((c) => c.exited));
process.exit(codes.some((c) => c !== 0 && c !== 143) ? 1 : 0);
