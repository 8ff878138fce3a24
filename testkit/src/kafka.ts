import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortRange } from "./ports.ts";
import { runScript } from "./run-script.ts";
import { assertServersAllowed } from "./suite.ts";

export interface TestKafka {
  /** "127.0.0.1:port": the client listener, for `bootstrapBrokers: [kafka.bootstrap]`. */
  readonly bootstrap: string;
  readonly port: number;
  /** The KRaft controller listener (port + 1). */
  readonly controllerPort: number;
  /** Throwaway data directory under the system temp dir (removed by destroy). */
  readonly dataDir: string;
  /** SIGTERM (controlled shutdown); resolves once the JVM is gone. No-op when stopped. */
  stop(): Promise<void>;
  /** SIGKILL of the JVM, like a crash (the next start() recovers the logs). No-op when stopped. */
  kill(): Promise<void>;
  /**
   * Starts it again on the same data and ports (topics, messages, committed offsets kept); resolves once it
   * accepts connections and every partition of the project's topics has a leader. No-op when it runs.
   */
  start(): Promise<void>;
  /** Stops it (SIGKILL: the data is thrown away anyway) and removes the data directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface KafkaOptions {
  /** JIT of the broker's JVM ["c1": about 2 s faster to start, slower at full load; "full" as `just infra`]. */
  jit?: "c1" | "full";
}

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = join(ROOT, "scripts/kafka-local.sh");
const ENSURE = join(ROOT, "scripts/ensure-kafka.sh");

/** Data dirs of brokers not destroyed yet: a test run that forgets destroy() still leaves no JVM behind. */
const live = new Set<string>();
let exitHook = false;
function track(dataDir: string) {
  live.add(dataDir);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const dir of live) {
      killJvm(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** SIGKILL of the broker of `dataDir` (synchronous: usable in an exit hook); its pid, undefined when none runs. */
function killJvm(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, "kafka.pid"), "utf8").trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes(`${dataDir}/conf/server.properties`)) return undefined; // a pid reused since
    process.kill(pid, "SIGKILL");
  } catch {
    return undefined;
  }
  return pid;
}

let ensured: Promise<void> | undefined;
/** scripts/ensure-kafka.sh once per process: the jars (Maven Central, cached in .tools/kafka) and Java 17+. */
function ensureKafka(): Promise<void> {
  ensured ??= runScript(ENSURE, [], {}).then((r) => {
    if (r.code !== 0) {
      ensured = undefined;
      throw new Error(`scripts/ensure-kafka.sh failed (exit ${r.code}):\n${r.output}`);
    }
  });
  return ensured;
}

/**
 * Starts a real, throwaway Apache Kafka broker (KRaft, broker + controller in one JVM, as `just infra up`
 * runs it) through scripts/kafka-local.sh on two free loopback ports, in a fresh directory under the temp
 * dir, with the project's topics created (loms.order-events and payments, 2 partitions each). The jars
 * come from scripts/ensure-kafka.sh (Maven Central, cached in .tools/kafka; the first run downloads
 * ~45 MB). Fails loudly with the scripts' output when Java, Maven or the jars are missing or the broker
 * does not come up — never skips. Takes about 5 s (3.5 s to start, format and topics).
 * The JVM dies with the test process (exit hook, and a watchdog of kafka-local.sh for a hard kill).
 */
export async function startKafka(opts: KafkaOptions = {}): Promise<TestKafka> {
  assertServersAllowed("startKafka");
  await ensureKafka();
  const jit = opts.jit ?? "c1";
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePortRange(2);
    const dataDir = mkdtempSync(join(tmpdir(), "kafka-test-"));
    const env = {
      DATA_DIR: dataDir,
      KAFKA_PORT: String(port),
      CONTROLLER_PORT: String(port + 1),
      KAFKA_JIT: jit,
      KAFKA_OWNER_PID: String(process.pid),
      BUN: process.execPath,
    };
    track(dataDir);
    const up = await runScript(SCRIPT, ["start"], env);
    if (up.code === 0) return handle(port, dataDir, env);
    killJvm(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    live.delete(dataDir);
    lastError = new Error(`scripts/kafka-local.sh start failed (exit ${up.code}):\n${up.output}`);
    // a port picked a moment ago may have been taken meanwhile, before the script looked or before the
    // JVM bound it (BindException): try other ones; anything else is fatal
    if (!/is taken by another process|Address already in use/.test(up.output)) break;
  }
  throw lastError;
}

function handle(port: number, dataDir: string, env: Record<string, string>): TestKafka {
  const must = async (cmd: string) => {
    const r = await runScript(SCRIPT, [cmd], env);
    if (r.code !== 0) throw new Error(`scripts/kafka-local.sh ${cmd} failed (exit ${r.code}):\n${r.output}`);
  };
  let destroyed = false;
  const alive = () => {
    if (destroyed) throw new Error(`the Kafka broker in ${dataDir} was destroyed`);
  };
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    controllerPort: port + 1,
    dataDir,
    async stop() {
      alive();
      await must("stop");
    },
    async kill() {
      alive();
      const pid = killJvm(dataDir);
      if (pid !== undefined) await waitGone(pid, 10_000);
    },
    async start() {
      alive();
      await must("start");
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const pid = killJvm(dataDir);
      if (pid !== undefined) await waitGone(pid, 10_000);
      rmSync(dataDir, { recursive: true, force: true });
      live.delete(dataDir);
    },
  };
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!running(pid)) return;
    if (performance.now() > deadline) throw new Error(`pid ${pid} still alive ${timeoutMs} ms after SIGKILL`);
    await Bun.sleep(20);
  }
}

/** Whether `pid` is a live process (a zombie nobody reaped yet counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
