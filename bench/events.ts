// `just bench events`: how fast order status changes reach the notifier, and how fast the relay
// drains a backlog. LOMS on a 2-shard cluster (synchronous replicas) and a real Kafka broker, one
// notifier on a real Redis. Writes bench/results/events.md.
//   latency   = the notifier line's log time − the event's moment (when LOMS changed the status)
//   throughput = events published per second while the relay drains a backlog built up with Kafka down
import { cpus } from "node:os";
import {
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { startKafka } from "@route256/testkit/kafka";
import { startPgCluster } from "@route256/testkit/pg-cluster";
import { startRedis } from "@route256/testkit/redis-server";
import { spawnService } from "@route256/testkit/spawn-service";
import postgres from "postgres";
import { lomsEnv } from "../loms/test/postgres/support.ts";

const ORDERS = Number(process.env.EVENTS_ORDERS ?? 300);
const BACKLOG_ORDERS = Number(process.env.EVENTS_BACKLOG_ORDERS ?? 1500);
const root = new URL("..", import.meta.url).pathname;

// One after another: each picks free ports, and picking them concurrently can collide.
const cluster = await startPgCluster();
const kafka = await startKafka();
const redis = await startRedis();
const loms = await spawnService("loms/src/main.ts", {
  portEnv: "LOMS_PORT",
  env: lomsEnv(cluster, { LOMS_EVENTS: "kafka", LOMS_KAFKA_BROKERS: kafka.bootstrap }),
  timeoutMs: 60_000,
});
const notifier = await spawnService("notifier/src/main.ts", {
  portEnv: "NOTIFIER_PORT",
  env: { NOTIFIER_KAFKA_BROKERS: kafka.bootstrap, NOTIFIER_REDIS_URL: redis.url, NOTIFIER_INSTANCE: "bench" },
  timeoutMs: 60_000,
});

const create = () =>
  fetch(`${loms.url}/order/create`, {
    method: "POST",
    body: '{"userId":1,"items":[{"sku":139275865,"count":1}]}',
  });
const backlog = async () =>
  Number(
    /loms_outbox_backlog\{app="loms"\} (\d+)/.exec(await (await fetch(`${loms.url}/metrics`)).text())?.[1] ??
      Number.NaN,
  );
const lines = () =>
  notifier
    .output()
    .split("\n")
    .filter((l) => l.includes('"msg":"order '))
    .map((l) => JSON.parse(l) as { time: string; moment: string; eventId: string });

// 1. Latency: a steady trickle of creates (each is two status changes: new, awaiting payment).
for (let i = 0; i < ORDERS; i++) {
  await (await create()).arrayBuffer();
  await Bun.sleep(20);
}
for (let i = 0; i < 300 && lines().length < ORDERS * 2; i++) await Bun.sleep(100);
const printedLines = lines();
const latencies = printedLines.map((l) => Date.parse(l.time) - Date.parse(l.moment)).sort((a, b) => a - b);
const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const pct = (q: number) => percentile(latencies, q);

// Where the time goes: each message's timestamp (CreateTime: when LOMS's relay handed it to its
// producer) splits the latency into LOMS's share (commit → relay publish) and the notifier's
// (Kafka → fetched, handled, printed). Read back with a group of the bench's own.
const sentAt = await publishTimes(printedLines.length);
const relayShare: number[] = [];
const notifierShare: number[] = [];
for (const l of printedLines) {
  const sent = sentAt.get(l.eventId);
  if (sent === undefined) continue;
  relayShare.push(sent - Date.parse(l.moment));
  notifierShare.push(Date.parse(l.time) - sent);
}
// The slowest events and where they sit in the run (the first ones pay for warm-up).
const slowest = printedLines
  .map((l, i) => ({ i, total: Date.parse(l.time) - Date.parse(l.moment), sent: sentAt.get(l.eventId) }))
  .sort((a, b) => b.total - a.total)
  .slice(0, 8)
  .map(
    (s) =>
      `#${s.i} ${s.total} ms${s.sent === undefined ? "" : ` (LOMS ${s.total - (Date.parse(printedLines[s.i]?.time ?? "") - s.sent)})`}`,
  );
relayShare.sort((a, b) => a - b);
notifierShare.sort((a, b) => a - b);
const split = (sorted: readonly number[]) =>
  `p50 ${percentile(sorted, 0.5)} ms, p99 ${percentile(sorted, 0.99)} ms, max ${sorted.at(-1)} ms`;

async function publishTimes(count: number): Promise<Map<string, number>> {
  const reader = new Consumer({
    clientId: "bench-events-reader",
    groupId: `bench-events-reader-${process.pid}`,
    bootstrapBrokers: [kafka.bootstrap],
    deserializers: stringDeserializers,
    autocommit: false,
  });
  const times = new Map<string, number>();
  try {
    const stream = await reader.consume({
      topics: ["loms.order-events"],
      mode: MessagesStreamModes.EARLIEST,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    for await (const m of stream as AsyncIterable<Message<string, string, string, string>>) {
      const id = m.headers.get("event-id");
      if (id) times.set(id, Number(m.timestamp));
      if (times.size >= count) break;
    }
    await stream.close();
  } finally {
    await reader.close(true);
  }
  return times;
}

// 2. Relay throughput: build a backlog with Kafka stopped, start it, time the drain.
await kafka.stop();
for (let i = 0; i < BACKLOG_ORDERS; i += 10)
  await Promise.all(Array.from({ length: 10 }, () => create().then((r) => r.arrayBuffer())));
const queued = await backlog();
const outageEnded = new Date();
await kafka.start();
while ((await backlog()) > 0) await Bun.sleep(50);
// The relay starts draining as soon as the broker accepts connections (before start() returns), so
// the drain is timed from the outbox's own sent_at stamps: first to last row sent after the outage.
const stamps = await Promise.all(
  cluster.shards.map(async (s) => {
    const sql = postgres(s.primary, { max: 1, onnotice: () => {} });
    const [row] = await sql`SELECT count(*)::int AS n, min(sent_at) AS first, max(sent_at) AS last
                            FROM outbox WHERE moment >= ${outageEnded} OR sent_at >= ${outageEnded}`;
    await sql.end();
    return row as { n: number; first: Date | null; last: Date | null };
  }),
);
const firsts = stamps.flatMap((r) => (r.first ? [r.first.getTime()] : []));
const lasts = stamps.flatMap((r) => (r.last ? [r.last.getTime()] : []));
const drainSeconds = (Math.max(...lasts) - Math.min(...firsts)) / 1000;

await notifier.stop();
await loms.stop();
await Promise.all([kafka.destroy(), cluster.destroy(), redis.stop()]);

const text = [
  "# order events benchmark",
  "",
  `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}. LOMS on a 2-shard ` +
    "PostgreSQL cluster (synchronous replicas, fsync off) and one Kafka 4.2 broker; one notifier with Redis dedupe; " +
    "relay woken by NOTIFY on commit (its 100 ms poll as the safety net).",
  "",
  `- status change → notifier line, ${latencies.length} events (${ORDERS} orders, one every ~20 ms): ` +
    `**p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms**, max ${latencies.at(-1)} ms`,
  `  - of which LOMS (status change → message timestamp, the relay's publish): ${split(relayShare)}`,
  `  - of which Kafka and the notifier (message timestamp → line printed): ${split(notifierShare)}`,
  `  - slowest (index in the run, total, LOMS's share): ${slowest.join(", ")}`,
  `- relay drain after a Kafka outage: ${queued} queued events, first to last sent (outbox sent_at) in ` +
    `${drainSeconds.toFixed(2)} s = **${Math.round(queued / drainSeconds)} events/s**`,
  "",
].join("\n");
await Bun.write(`${root}bench/results/events.md`, text);
console.log(text);
process.exit(0);
