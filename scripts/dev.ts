// `just dev`: runs every service of the embedded mode as a child process, each line of output
// prefixed with the service name, and stops them all on Ctrl-C. No external servers are needed.
import type { Subprocess } from "bun";

// Embedded mode: LOMS on PGlite (the same SQL as on the cluster, data kept in .run/pglite), cart and
// products in memory. A variable already set in the environment wins.
const SERVICES: { name: string; entry: string; env?: Record<string, string> }[] = [
  { name: "products", entry: "products/src/main.ts" },
  { name: "loms", entry: "loms/src/main.ts", env: { LOMS_STORAGE: "pglite" } },
  { name: "cart", entry: "cart/src/main.ts" },
];

const root = new URL("..", import.meta.url).pathname;
const children: Subprocess[] = [];

async function prefixLines(name: string, stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) out.write(`${name.padEnd(9)}| ${line}\n`);
  }
  if (rest) out.write(`${name.padEnd(9)}| ${rest}\n`);
}

for (const { name, entry, env } of SERVICES) {
  const child = Bun.spawn(["bun", entry], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...env, ...process.env },
  });
  children.push(child);
  void prefixLines(name, child.stdout, process.stdout);
  void prefixLines(name, child.stderr, process.stderr);
  void child.exited.then((code) => {
    if (!stopping) {
      console.error(`${name} exited with ${code}; stopping the rest`);
      stop();
    }
  });
}

let stopping = false;
function stop() {
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const codes = await Promise.all(children.map((c) => c.exited));
process.exit(codes.some((c) => c !== 0 && c !== 143) ? 1 : 0);
