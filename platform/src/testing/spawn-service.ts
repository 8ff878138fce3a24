import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as net from "node:net";
import type { Subprocess } from "bun";

export interface SpawnedService {
  readonly url: string;
  readonly port: number;
  /** The child's process id (benchmarks read its CPU time from /proc). */
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number>;
  /** Any signal, e.g. SIGKILL for crash tests; `exited` tells when the process is gone. */
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<number>;
}

const ROOT = new URL("../../../", import.meta.url).pathname;

/**
 * A port that was free a moment ago: the OS picks it, we release it. Racy by nature (anything may take
 * it before it is used): only for a server that must come back on the same port, or an address where
 * nothing listens. A service of its own is started on port 0 instead (spawnService).
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a service entry point as a real process (as `just dev` does) and resolves once /readyz
 * answers 200. For e2e tests and benchmarks: what runs is exactly what users run.
 *
 * The port is the OS's: `portEnv` is 0, so the service binds a port nobody else holds, and the port is
 * read from the process's own listening sockets (/proc). A port picked here and handed over would be
 * free only "a moment ago": on a machine running several test processes (and every outgoing
 * connection taking an ephemeral port) another one could take it first — or already answer /readyz.
 */
export async function spawnService(
  entry: string,
  opts: { portEnv: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<SpawnedService> {
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["bun", entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...opts.env, [opts.portEnv]: "0" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let printed = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) printed += decoder.decode(chunk, { stream: true });
  };
  void collect(child.stdout);
  void collect(child.stderr);

  const deadline = performance.now() + (opts.timeoutMs ?? 15_000);
  let exited: number | null = null;
  void child.exited.then((code) => {
    exited = code;
  });
  let port: number | undefined;
  const notHttp = new Set<number>(); // other listeners of the process (LOMS' embedded PostgreSQL)
  for (;;) {
    if (exited !== null) throw new Error(`${entry} exited with ${exited} before it was ready:\n${printed}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} was not ready within ${opts.timeoutMs ?? 15_000} ms:\n${printed}`);
    }
    port ??= await httpPort(child.pid, notHttp);
    if (port !== undefined && (await ready(port))) break;
    await Bun.sleep(50);
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port: port as number,
    pid: child.pid,
    output: () => printed,
    async stop() {
      child.kill("SIGTERM");
      return await child.exited;
    },
    kill: (signal) => child.kill(signal),
    exited: child.exited,
  };
}

/** /readyz's status at the port; 0 when nothing answers HTTP there. */
function readyz(port: number): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.status,
    () => 0,
  );
}

async function ready(port: number): Promise<boolean> {
  return (await readyz(port)) === 200;
}

/** The one of the process's listening ports that answers HTTP, once it listens. */
async function httpPort(pid: number, notHttp: Set<number>): Promise<number | undefined> {
  for (const port of listeningPorts(pid)) {
    if (notHttp.has(port)) continue;
    if ((await readyz(port)) !== 0) return port;
    notHttp.add(port);
  }
  return undefined;
}

/** TCP ports the process listens on: its socket inodes (/proc/PID/fd) in LISTEN state in /proc/net/tcp{,6}. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // gone, or not started yet
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith("socket:[")) inodes.add(target.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."; st 0A = LISTEN
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9] as string))
        ports.add(Number.parseInt(f[1]?.split(":")[1] ?? "", 16));
    }
  }
  return [...ports];
}
