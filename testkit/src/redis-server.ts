import type { Subprocess } from "bun";
import { freePortRange } from "./ports.ts";
import { assertServersAllowed } from "./suite.ts";

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL, like a crash) — for tests of what happens when Redis goes away. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real, throwaway redis-server on a free loopback port (no persistence) and waits until it
 * answers — itself, not another process's server on that port (INFO's process_id is checked). Fails
 * loudly when redis-server is missing: run scripts/ensure-redis.sh (CI does).
 *
 * Redis cannot be told to take a port the OS picks, so one is picked outside the ephemeral range
 * (freePortRange: no outgoing connection takes it meanwhile); when another test process binds it
 * first all the same, redis-server says "Address already in use" and another port is picked. A
 * `port` given (a server coming back where it was) is used as it is.
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  assertServersAllowed("startRedis");
  const which = Bun.which("redis-server");
  if (!which)
    throw new Error(
      "redis-server is not installed: run scripts/ensure-redis.sh (Debian package redis-server)",
    );
  for (let attempt = 0; ; attempt++) {
    const chosen = port ?? (await freePortRange(1));
    const started = await startOn(which, chosen);
    if (typeof started !== "string") return started;
    if (port !== undefined || attempt >= 4 || !started.includes("Address already in use"))
      throw new Error(`redis-server did not start on port ${chosen}:\n${started}`);
  }
}

/** The server, or what redis-server printed when it did not come up. */
async function startOn(which: string, chosen: number): Promise<TestRedis | string> {
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
    if ((await serverPid(chosen)) === child.pid) break;
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill("SIGKILL");
      return child.stdout instanceof ReadableStream ? await new Response(child.stdout).text() : "";
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

/** INFO's process_id of the Redis server at the port (RESP over a raw socket); undefined when none answers. */
async function serverPid(port: number): Promise<number | undefined> {
  const { promise, resolve } = Promise.withResolvers<number | undefined>();
  let received = "";
  const timer = setTimeout(() => resolve(undefined), 1_000);
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          s.write("INFO server\r\n");
        },
        data(s, chunk) {
          received += chunk.toString();
          const pid = /process_id:(\d+)/.exec(received)?.[1];
          if (pid) {
            resolve(Number(pid));
            s.end();
          }
        },
        close() {
          resolve(undefined);
        },
        error() {
          resolve(undefined);
        },
      },
    });
    const pid = await promise;
    socket.end();
    return pid;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
