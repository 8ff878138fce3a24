import type { Subprocess } from "bun";
import { freePort } from "./spawn-service.ts";

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL, like a crash) — for tests of what happens when Redis goes away. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real, throwaway redis-server on a free loopback port (no persistence) and waits until it
 * answers PING. Fails loudly when redis-server is missing: run scripts/ensure-redis.sh (CI does).
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const which = Bun.which("redis-server");
  if (!which)
    throw new Error(
      "redis-server is not installed: run scripts/ensure-redis.sh (Debian package redis-server)",
    );
  const child: Subprocess = Bun.spawn(
    [
      which,
      "--port",
      String(chosen),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (await ping(chosen)) break;
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill("SIGKILL");
      const out = child.stdout instanceof ReadableStream ? await new Response(child.stdout).text() : "";
      throw new Error(`redis-server did not start on port ${chosen}:\n${out}`);
    }
    await Bun.sleep(20);
  }
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    async kill() {
      child.kill("SIGKILL");
      await child.exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

/** RESP PING over a raw socket: no client library needed to know the server is up. */
async function ping(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { data() {}, error() {} },
    });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
