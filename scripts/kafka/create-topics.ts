// create-topics.ts — creates the project's Kafka topics when missing (scripts/kafka-local.sh create-topics,
// also the last step of its `start`). Idempotent: existing topics are left alone; one with fewer partitions
// than wanted fails the run (partitions are never added behind the caller's back: keys would move).
// Waits until every partition of every topic has a leader, so a producer can send right away.
//
//   bun scripts/kafka/create-topics.ts [BOOTSTRAP]      # BOOTSTRAP [$KAFKA_BOOTSTRAP, else 127.0.0.1:9092]
import { Admin } from "@platformatic/kafka";

/** The project's topics and their partition counts (replication factor 1: one broker). */
export const TOPICS: Readonly<Record<string, number>> = {
  "loms.order-events": 2,
  payments: 2,
};

const TIMEOUT_MS = 30_000;

export async function createTopics(bootstrap: string, timeoutMs = TIMEOUT_MS): Promise<string[]> {
  const admin = new Admin({
    clientId: "create-topics",
    bootstrapBrokers: [bootstrap],
    retries: 0,
    timeout: 5_000,
  });
  const deadline = performance.now() + timeoutMs;
  const created: string[] = [];
  let lastError: unknown;
  try {
    for (;;) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = Object.keys(TOPICS).filter((t) => !existing.has(t));
        for (const topic of missing) {
          try {
            await admin.createTopics({ topics: [topic], partitions: TOPICS[topic]!, replicas: 1 });
            created.push(topic);
          } catch (e) {
            if (!describe(e).includes("TOPIC_ALREADY_EXISTS")) throw e; // a concurrent run won
          }
        }
        if (await allLed(admin)) return created;
        lastError = new Error("not every partition has a leader yet");
      } catch (e) {
        if (e instanceof Fatal) throw e;
        lastError = e;
      }
      if (performance.now() > deadline)
        throw new Error(`topics not ready on ${bootstrap} within ${timeoutMs} ms: ${describe(lastError)}`);
      await Bun.sleep(200);
    }
  } finally {
    await admin.close().catch(() => {});
  }
}

/** A state that waiting does not fix. */
class Fatal extends Error {}

/** Every wanted topic exists with at least its partition count, each partition with a leader. */
async function allLed(admin: Admin): Promise<boolean> {
  const names = Object.keys(TOPICS);
  const meta = await admin.metadata({ topics: names, forceUpdate: true });
  for (const name of names) {
    const topic = meta.topics.get(name);
    if (!topic) return false;
    if (topic.partitionsCount < TOPICS[name]!)
      throw new Fatal(
        `topic ${name} exists with ${topic.partitionsCount} partitions, ${TOPICS[name]} wanted: delete it (or reset the broker's data)`,
      );
    if (topic.partitions.some((p) => p.leader < 0)) return false;
  }
  return true;
}

function describe(e: unknown): string {
  if (e instanceof AggregateError) return `${e.message} [${e.errors.map((x) => describe(x)).join("; ")}]`;
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    const api = (e as { apiId?: string }).apiId;
    return [code, api, e.message].filter(Boolean).join(" ");
  }
  return String(e);
}

if (import.meta.main) {
  const bootstrap = process.argv[2] ?? process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
  const t0 = performance.now();
  try {
    const created = await createTopics(bootstrap);
    const all = Object.entries(TOPICS).map(([t, n]) => `${t} (${n})`);
    console.log(
      `kafka topics ready on ${bootstrap} in ${Math.round(performance.now() - t0)} ms: ${all.join(", ")}` +
        (created.length ? `; created ${created.join(", ")}` : "; none created"),
    );
  } catch (e) {
    console.error(`create-topics: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
