import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as net from "node:net";

/**
 * A port that was free a moment ago: the OS picks it, we release it. Racy by nature (anything may take
 * it before it is used, outgoing connections included: it is in the ephemeral range): only for an
 * address where nothing listens, or a server that must come back where it was.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A run of `count` consecutive loopback ports that were all free a moment ago. Picked at random
 * below the Linux ephemeral range (32768+), so outgoing connections do not take them meanwhile.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * ((32_000 - 20_000 - count) / 2));
    const held: net.Server[] = [];
    let ok = true;
    for (let p = base; p < base + count && ok; p++) {
      const server = net.createServer();
      ok = await new Promise<boolean>((resolve) => {
        server.once("error", () => resolve(false));
        server.listen(p, "127.0.0.1", () => resolve(true));
      });
      if (ok) held.push(server);
    }
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}

/**
 * TCP ports the process listens on: its socket inodes (/proc/PID/fd) in LISTEN state in
 * /proc/net/tcp{,6}. `withChildren`: its child processes' too (a service's WORKERS).
 */
export function listeningPorts(pid: number, opts: { withChildren?: boolean } = {}): number[] {
  const inodes = new Set<string>();
  const pids = opts.withChildren ? [pid, ...childrenOf(pid)] : [pid];
  for (const p of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone, or not started yet
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${p}/fd/${fd}`);
        if (target.startsWith("socket:[")) inodes.add(target.slice(8, -1));
      } catch {
        // closed meanwhile
      }
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

/** The direct children of a process, from /proc/PID/task/TID/children. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return children;
}
