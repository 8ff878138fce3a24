import { type SpawnedService, spawnService } from "@route256/testkit/spawn-service";
import type { LogLine } from "./log.ts";

/** One notifier process, started exactly as `just up` starts it. */
export interface Instance {
  readonly name: string;
  readonly service: SpawnedService;
  /** Every complete JSON line it printed so far. */
  lines(): LogLine[];
  /** Its status lines ("order N: status S"), in the order it printed them. */
  statusLines(): LogLine[];
  /** Sends a signal to the process (SIGSTOP freezes it, SIGCONT lets it go on). */
  signal(sig: NodeJS.Signals): void;
  /** Crash it: SIGKILL, no goodbye to the group, nothing flushed. */
  kill(): void;
  /** Killed or stopped: no longer asked for its metrics (its output is still read). */
  killed: boolean;
}

export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const service = await spawnService("notifier/src/main.ts", {
    portEnv: "NOTIFIER_PORT",
    env: { ...env, NOTIFIER_INSTANCE: name },
    timeoutMs: 60_000, // ready = joined the group: a rebalance on a loaded machine takes a while
  });
  const lines = () => parseLines(service.output());
  const instance: Instance = {
    name,
    service,
    lines,
    statusLines: () => lines().filter((l) => /^order \d+: status /.test(l.msg)),
    signal(sig) {
      const started = lines().find((l) => l.msg === "notifier started");
      process.kill(Number(started?.pid), sig);
    },
    kill() {
      instance.signal("SIGKILL");
      instance.killed = true;
    },
    killed: false,
  };
  return instance;
}

function parseLines(output: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // the last line may still be half-written
    }
  }
  return out;
}

/** The partitions an instance got when it last joined its group. */
export function ownedPartitions(instance: Instance): number[] {
  const joins = instance.lines().filter((l) => l.msg === "joined consumer group");
  return (joins.at(-1)?.partitions ?? []) as number[];
}

/**
 * The group is settled when every live instance has logged joining the newest generation anyone
 * has seen. Produced before that, events may be handled during rebalances: still printed once,
 * but not the calm case a test of "who printed what" wants.
 */
export function groupSettled(instances: readonly Instance[]): boolean {
  const alive = instances.filter((i) => !i.killed);
  const generations = alive.map((i) =>
    Math.max(
      -1,
      ...i
        .lines()
        .filter((l) => l.msg === "joined consumer group")
        .map((l) => Number(l.generationId)),
    ),
  );
  const newest = Math.max(...generations);
  return newest >= 0 && generations.every((g) => g === newest);
}

/** Sum of one sample over the live instances' /metrics, e.g. ('notifier_events_total', 'result="printed"'). */
export async function metricSum(instances: readonly Instance[], name: string, labels = ""): Promise<number> {
  let sum = 0;
  for (const i of instances.filter((x) => !x.killed)) {
    const text = await fetch(`${i.service.url}/metrics`).then((r) => r.text());
    for (const line of text.split("\n")) {
      if (!line.startsWith(`${name}{`) || !line.includes(labels)) continue;
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

/** Every live instance's samples of a gauge, by label set, e.g. notifier_consumer_lag by partition. */
export async function metricSamples(instances: readonly Instance[], name: string): Promise<string[]> {
  const samples: string[] = [];
  for (const i of instances.filter((x) => !x.killed)) {
    const text = await fetch(`${i.service.url}/metrics`).then((r) => r.text());
    samples.push(...text.split("\n").filter((l) => l.startsWith(`${name}{`)));
  }
  return samples;
}

/** Where each instance stands, for the message of a test that timed out. */
export function groupState(instances: readonly Instance[]): unknown {
  return instances.map((i) => ({
    name: i.name,
    killed: i.killed,
    printed: i.statusLines().length,
    joins: i
      .lines()
      .filter((l) => l.msg === "joined consumer group")
      .map((l) => `${l.time} gen ${l.generationId} ${JSON.stringify(l.partitions)}`),
    problems: i
      .lines()
      .filter((l) => l.level === "warn" || l.level === "error")
      .slice(-5)
      .map((l) => `${l.time} ${l.msg} ${l.err ?? l.reason ?? ""}`),
  }));
}
