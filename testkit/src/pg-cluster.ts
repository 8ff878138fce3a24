import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortRange } from "./ports.ts";
import { runScript } from "./run-script.ts";
import { assertServersAllowed } from "./suite.ts";

export type PgRole = "primary" | "replica";

export interface TestPgShard {
  /** postgres:// URL of the shard's primary (writes). */
  readonly primary: string;
  /** postgres:// URL of its streaming replica (reads; read-only). */
  readonly replica: string;
}

export interface TestPgCluster {
  readonly shards: readonly TestPgShard[];
  /** Throwaway data directory under the system temp dir (removed by destroy). */
  readonly dataDir: string;
  /** First port: shard i primary = basePort + 2i, replica = basePort + 2i + 1. */
  readonly basePort: number;
  /** `pg_ctl stop -m immediate` of one node (like a crash), for failover tests. */
  stopNode(shard: number, role: PgRole): Promise<void>;
  /** Starts one stopped node again; a replica is back once it streams from its primary again. */
  startNode(shard: number, role: PgRole): Promise<void>;
  /** Stops every node (immediate) and removes the data directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface PgClusterOptions {
  /** Number of shards [2]. */
  shards?: number;
  /**
   * Synchronous replication [true]: a commit on a primary returns once its replica has applied it
   * (read-your-writes on the replica), and writes on a primary block while its replica is down.
   */
  sync?: boolean;
  /** fsync and full-page writes on, as `just infra up` runs it (benchmarks); off by default for speed. */
  durable?: boolean;
}

const SCRIPT = new URL("../../scripts/pg-cluster.sh", import.meta.url).pathname;

/** Data dirs of clusters not destroyed yet: a test run that forgets destroy() still leaves none behind. */
const live = new Map<string, Record<string, string>>();
let exitHook = false;
function track(dataDir: string, env: Record<string, string>) {
  live.set(dataDir, env);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const [dir, vars] of live) {
      Bun.spawnSync(["bash", SCRIPT, "destroy", dir], {
        env: { ...process.env, ...vars, STOP_MODE: "immediate" },
      });
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts a real, throwaway sharded PostgreSQL — per shard a primary and a streaming replica, as
 * `just infra up` runs it — through scripts/pg-cluster.sh (FAST=1: fsync off) on a free port range
 * of loopback, in a fresh directory under the temp dir. Fails loudly with the script's output when
 * PostgreSQL is missing (run scripts/ensure-postgres.sh; `just test` does) or does not start.
 * Takes about 2 s.
 */
export async function startPgCluster(opts: PgClusterOptions = {}): Promise<TestPgCluster> {
  assertServersAllowed("startPgCluster");
  const shards = opts.shards ?? 2;
  const sync = opts.sync ?? true;
  if (!Number.isInteger(shards) || shards < 1)
    throw new Error(`shards must be a positive integer: ${shards}`);
  const basePort = await freePortRange(2 * shards);
  const dataDir = mkdtempSync(join(tmpdir(), "loms-pg-"));
  const env = {
    SHARDS: String(shards),
    BASE_PORT: String(basePort),
    SYNC: sync ? "1" : "0",
    FAST: opts.durable ? "0" : "1",
    AUTH: "trust",
    DB_NAME: "loms",
  };
  track(dataDir, env);
  const discard = async () => {
    await runScript(SCRIPT, ["destroy", dataDir], { ...env, STOP_MODE: "immediate" });
    rmSync(dataDir, { recursive: true, force: true });
    live.delete(dataDir);
  };

  const up = await runScript(SCRIPT, ["up", dataDir], env);
  if (up.code !== 0) {
    await discard();
    throw new Error(`scripts/pg-cluster.sh up failed (exit ${up.code}):\n${up.output}`);
  }
  try {
    return await connectCluster(up.output, { shards, dataDir, basePort, env });
  } catch (e) {
    await discard();
    throw e;
  }
}

async function connectCluster(
  upOutput: string,
  {
    shards,
    dataDir,
    basePort,
    env,
  }: { shards: number; dataDir: string; basePort: number; env: Record<string, string> },
): Promise<TestPgCluster> {
  const script = (...args: string[]) => runScript(SCRIPT, args, env);
  const urls = new Map<string, string>();
  for (const m of upOutput.matchAll(/^SHARD(\d+)_(PRIMARY|REPLICA)_URL=(\S+)$/gm))
    urls.set(`${m[1]}/${m[2]}`, m[3]!);
  const list: TestPgShard[] = [];
  for (let i = 0; i < shards; i++) {
    const primary = urls.get(`${i}/PRIMARY`);
    const replica = urls.get(`${i}/REPLICA`);
    if (!primary || !replica)
      throw new Error(`no URLs of shard ${i} in the output of pg-cluster.sh:\n${upOutput}`);
    list.push({ primary, replica });
  }
  for (const s of list) {
    await waitPgReady(s.primary, 10_000);
    await waitPgReady(s.replica, 10_000);
  }

  const checkNode = (shard: number, role: PgRole) => {
    if (!Number.isInteger(shard) || shard < 0 || shard >= shards)
      throw new Error(`no shard ${shard} (cluster has ${shards})`);
    if (role !== "primary" && role !== "replica") throw new Error(`role must be primary or replica: ${role}`);
  };
  const must = async (args: string[]) => {
    const r = await script(...args);
    if (r.code !== 0)
      throw new Error(`scripts/pg-cluster.sh ${args.join(" ")} failed (exit ${r.code}):\n${r.output}`);
  };
  let destroyed = false;
  return {
    shards: list,
    dataDir,
    basePort,
    async stopNode(shard, role) {
      checkNode(shard, role);
      await must(["node-stop", dataDir, String(shard), role, "immediate"]);
    },
    async startNode(shard, role) {
      checkNode(shard, role);
      await must(["node-start", dataDir, String(shard), role]);
      const s = list[shard]!;
      await waitPgReady(role === "primary" ? s.primary : s.replica, 10_000);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const r = await runScript(SCRIPT, ["destroy", dataDir], { ...env, STOP_MODE: "immediate" });
      rmSync(dataDir, { recursive: true, force: true });
      live.delete(dataDir);
      if (r.code !== 0)
        throw new Error(`scripts/pg-cluster.sh destroy failed (exit ${r.code}):\n${r.output}`);
    },
  };
}

/**
 * Whether a PostgreSQL server accepts connections at `url` (postgres://user@host:port/db) — what
 * pg_isready tells, without psql or a client library: it sends a StartupMessage and reads the first
 * answer. An authentication request or a login error (wrong password, no such database) means the
 * server is up; "the database system is starting up / shutting down" (57P03) or no answer means not.
 */
export async function pgReady(url: string, timeoutMs = 2_000): Promise<boolean> {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || "postgres";
  const database = decodeURIComponent(u.pathname.slice(1)) || user;
  const startup = startupMessage({ user, database });
  const { promise, resolve } = Promise.withResolvers<boolean>();
  let received = new Uint8Array(0);
  const timer = setTimeout(() => resolve(false), timeoutMs);
  const socket = await Bun.connect({
    hostname: u.hostname || "127.0.0.1",
    port: Number(u.port || 5432),
    socket: {
      open(s) {
        s.write(startup);
      },
      data(s, chunk) {
        received = concat(received, chunk);
        const verdict = readiness(received);
        if (verdict === undefined) return;
        resolve(verdict); // first: end() may run close() at once
        if (received[0] === 0x52) s.write(TERMINATE); // 'R': polite goodbye before closing
        s.end();
      },
      close() {
        resolve(false);
      },
      error() {
        resolve(false);
      },
    },
  }).catch(() => undefined);
  if (!socket) resolve(false);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket?.end();
  }
}

/** Polls pgReady until it answers true; throws after `timeoutMs`. */
export async function waitPgReady(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await pgReady(url, Math.min(2_000, timeoutMs)))) {
    if (performance.now() > deadline)
      throw new Error(`PostgreSQL at ${url} not ready within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

const TERMINATE = new Uint8Array([0x58, 0, 0, 0, 4]); // 'X', length 4

function startupMessage(params: Record<string, string>): Uint8Array {
  const body = `${Object.entries(params)
    .map(([k, v]) => `${k}\0${v}\0`)
    .join("")}\0`;
  const bytes = new TextEncoder().encode(body);
  const msg = new Uint8Array(8 + bytes.length);
  const view = new DataView(msg.buffer);
  view.setInt32(0, msg.length);
  view.setInt32(4, 196608); // protocol 3.0
  msg.set(bytes, 8);
  return msg;
}

/** true / false once the first message is complete enough to tell, undefined before. */
function readiness(buf: Uint8Array): boolean | undefined {
  if (buf.length < 1) return undefined;
  const type = buf[0];
  if (type === 0x52) return true; // 'R': authentication request (or AuthenticationOk)
  if (type !== 0x45) return false; // neither 'R' nor 'E': not a PostgreSQL server we understand
  if (buf.length < 5) return undefined;
  const len = new DataView(buf.buffer, buf.byteOffset).getInt32(1);
  if (buf.length < 1 + len) return undefined;
  // ErrorResponse: fields (type byte, cstring) up to a 0 byte; 'C' holds the SQLSTATE
  const fields = new TextDecoder().decode(buf.subarray(5, 1 + len)).split("\0");
  const code = fields.find((f) => f.startsWith("C"))?.slice(1);
  return code !== "57P03"; // cannot_connect_now: starting up, shutting down, in recovery without hot standby
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
