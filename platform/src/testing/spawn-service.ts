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

/** A port that was free a moment ago: the OS picks it, we release it and hand it to the child. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a service entry point as a real process (as `just dev` does) on a free port, given to it
 * through `portEnv`, and resolves once /readyz answers 200. For e2e tests and benchmarks: what runs
 * is exactly what users run.
 */
export async function spawnService(
  entry: string,
  opts: { portEnv: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<SpawnedService> {
  const port = await freePort();
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
  void collect(child.stdout);
  void collect(child.stderr);

  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + (opts.timeoutMs ?? 15_000);
  let exited: number | null = null;
  void child.exited.then((code) => {
    exited = code;
  });
  for (;;) {
    if (exited !== null) throw new Error(`${entry} exited with ${exited} before it was ready:\n${printed}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} was not ready within ${opts.timeoutMs ?? 15_000} ms:\n${printed}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
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
