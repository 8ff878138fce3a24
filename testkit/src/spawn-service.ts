import type { Subprocess } from "bun";
import { freePortRange, listeningPorts } from "./ports.ts";
import { assertServersAllowed } from "./suite.ts";

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

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Starts a service entry point as a real process (as `just dev` does) and resolves once /readyz
 * answers 200. For e2e tests and benchmarks: what runs is exactly what users run.
 *
 * The port, given through `portEnv`, is picked outside the ephemeral range (freePortRange: no
 * outgoing connection takes it meanwhile). Another test process may still bind it first: then the
 * service exits with EADDRINUSE and another port is picked; and it is ready only when the port that
 * answers is one its own process listens on (/proc), never another process's server.
 */
export async function spawnService(entry: string, opts: SpawnOptions): Promise<SpawnedService> {
  assertServersAllowed(`spawnService(${entry})`);
  for (let attempt = 0; ; attempt++) {
    const started = await spawnOn(entry, await freePortRange(1), opts);
    if (typeof started !== "string") return started;
    if (attempt >= 4) throw new Error(`${entry}: every port picked was taken meanwhile:\n${started}`);
  }
}

interface SpawnOptions {
  portEnv: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** "alive": resolve once /healthz answers, for a service started without its dependencies. */
  until?: "ready" | "alive";
}

const PORT_TAKEN = /EADDRINUSE|address already in use|port \d+ in use/i;

/** The service on `port`; what it printed when it exited because the port was taken. */
async function spawnOn(entry: string, port: number, opts: SpawnOptions): Promise<SpawnedService | string> {
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["bun", entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...opts.env, [opts.portEnv]: String(port) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let printed = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) printed += decoder.decode(chunk, { stream: true });
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);

  const deadline = performance.now() + (opts.timeoutMs ?? 15_000);
  let exited: number | null = null;
  void child.exited.then((code) => {
    exited = code;
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited !== null) {
      await collected; // all it printed, the reason it exited included
      if (PORT_TAKEN.test(printed)) return printed;
      throw new Error(`${entry} exited with ${exited} before it was ready:\n${printed}`);
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} was not ready within ${opts.timeoutMs ?? 15_000} ms:\n${printed}`);
    }
    // With WORKERS > 1 the workers (the child's children) hold the port, not the child itself.
    if ((await answers(url, opts.until)) && listeningPorts(child.pid, { withChildren: true }).includes(port))
      break;
    await Bun.sleep(50);
  }
  return {
    url,
    port,
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

async function answers(url: string, until: SpawnOptions["until"]): Promise<boolean> {
  return await fetch(`${url}/${until === "alive" ? "healthz" : "readyz"}`, {
    signal: AbortSignal.timeout(2_000),
  }).then(
    (r) => r.ok,
    () => false,
  );
}
