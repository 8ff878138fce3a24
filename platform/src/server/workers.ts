import cluster, { type Worker } from "node:cluster";
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from "prom-client";
import type { Logger } from "../logger.ts";
import { closeOnce, closeOnSignal } from "./shutdown.ts";

type Closer = () => Promise<void>;
type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** IPC between a service's workers and their primary (node:cluster's channel). */
type Message =
  | { kind: "shutdown"; signal: string }
  | { kind: "metrics:gather"; id: number }
  | { kind: "metrics:collect"; id: number }
  | { kind: "metrics:part"; id: number; metrics: Metrics }
  | { kind: "metrics:all"; id: number; parts: Metrics[] };

/**
 * Runs a service on every core: with `workers` > 1 this process becomes a primary that forks that
 * many copies of itself (node:cluster); each worker runs `start` and listens on the same port, the
 * kernel spreading connections between them (SO_REUSEPORT — the front listens with `reusePort`).
 * The primary only supervises: on SIGTERM/SIGINT it tells every worker to drain and exits when all
 * are gone (a second signal kills them); a worker that dies otherwise is replaced. With 1 worker, `start` runs right here.
 * `start` gets the worker's number (0 without a cluster) and a logger that says it.
 */
export async function runWorkers(
  workers: number,
  logger: Logger,
  start: (worker: number, logger: Logger) => Promise<Closer[]>,
): Promise<void> {
  if (workers <= 1) {
    closeOnSignal(logger, await start(0, logger));
    return;
  }
  if (cluster.isWorker) {
    const id = Number(process.env.ROUTE256_WORKER);
    const own = logger.child({ worker: id });
    // The primary decides when workers stop: a terminal's Ctrl-C reaches every process of the
    // group and the primary passes it on as well, which must not count as a second, forcing signal.
    const close = closeOnce(own, await start(id, own));
    process.on("SIGTERM", () => void close("SIGTERM"));
    process.on("SIGINT", () => void close("SIGINT"));
    process.on("message", (m: Message) => {
      if (m.kind === "shutdown") void close(m.signal);
    });
    process.on("disconnect", () => void close("primary gone"));
    return;
  }
  superviseWorkers(workers, logger);
}

function superviseWorkers(workers: number, logger: Logger): void {
  let stopping = false;
  let worst = 0; // the exit code: a worker that failed to drain cleanly makes the service's non-zero
  const byId = new Map<number, Worker>();
  const fork = (id: number) => {
    const worker = cluster.fork({ ROUTE256_WORKER: String(id) });
    byId.set(id, worker);
    worker.on("message", (m: Message) => relayMetrics(m, worker, [...byId.values()]));
    worker.once("exit", (code, signal) => {
      byId.delete(id);
      if (stopping) {
        worst = Math.max(worst, code ?? 1);
        if (byId.size === 0) logger.flush(() => process.exit(worst));
        return;
      }
      logger.error({ worker: id, code, signal }, "worker died; starting another");
      fork(id);
    });
  };
  logger.info({ workers }, "starting workers");
  for (let id = 0; id < workers; id++) fork(id);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: now.
      for (const worker of byId.values()) worker.process.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping workers");
    for (const worker of byId.values()) worker.send({ kind: "shutdown", signal } satisfies Message);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

// ---- metrics: one scrape of any worker answers for all of them ----

const GATHER_TIMEOUT_MS = 2_000;
const pending = new Map<
  number,
  { parts: Metrics[]; wanted: number; reply: Worker; replyId: number; timer: ReturnType<typeof setTimeout> }
>();
let nextGather = 0;

/** In the primary: collects every worker's metrics for the worker that was scraped. */
function relayMetrics(message: Message, from: Worker, workers: Worker[]): void {
  if (message.kind === "metrics:gather") {
    const id = ++nextGather;
    // A worker that dies (or hangs) mid-gather must not hang the scrape: answer with the others.
    const timer = setTimeout(() => answer(id), GATHER_TIMEOUT_MS);
    pending.set(id, { parts: [], wanted: workers.length, reply: from, replyId: message.id, timer });
    for (const w of workers) w.send({ kind: "metrics:collect", id } satisfies Message);
  } else if (message.kind === "metrics:part") {
    const gather = pending.get(message.id);
    if (!gather) return;
    gather.parts.push(message.metrics);
    if (gather.parts.length === gather.wanted) answer(message.id);
  }
}

function answer(id: number): void {
  const gather = pending.get(id);
  if (!gather) return;
  pending.delete(id);
  clearTimeout(gather.timer);
  if (gather.reply.isConnected()) {
    // Under the id the scraped worker asked with: each worker numbers its own requests.
    gather.reply.send({ kind: "metrics:all", id: gather.replyId, parts: gather.parts } satisfies Message);
  }
}

const waiting = new Map<number, (parts: Metrics[]) => void>();
let asked = 0;

/**
 * What /metrics answers: this process's registry, or — in a worker — the sum over every worker
 * (prom-client's cluster aggregation: counters and histograms added, each gauge by its own rule),
 * so a scrape that lands on any worker sees the whole service instance.
 */
export async function scrape(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++asked;
  const parts = await new Promise<Metrics[]>((resolve) => {
    waiting.set(id, resolve);
    process.send?.({ kind: "metrics:gather", id } satisfies Message);
  });
  return AggregatorRegistry.aggregate(parts).metrics();
}

let served: Registry | undefined;

/** In a worker: answers the primary's requests for this worker's metrics (from start-up on). */
export function serveMetrics(registry: Registry): void {
  if (!cluster.isWorker || served) return;
  served = registry;
  process.on("message", async (message: Message) => {
    if (message.kind === "metrics:collect") {
      const metrics = (await registry.getMetricsAsJSON()) as Metrics;
      process.send?.({ kind: "metrics:part", id: message.id, metrics } satisfies Message);
    } else if (message.kind === "metrics:all") {
      waiting.get(message.id)?.(message.parts);
      waiting.delete(message.id);
    }
  });
}
