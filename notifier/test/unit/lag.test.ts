import { afterEach, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { type Consumer, ListOffsetTimestamps } from "@platformatic/kafka";
import { Registry } from "prom-client";
import { type LagMeter, startLagMeter } from "../../src/transport/lag.ts";
import { createNotifierMetrics } from "../../src/transport/metrics.ts";
import { eventually } from "../support/async.ts";
import { captureLogger } from "../support/log.ts";

const TOPIC = "loms.order-events";

/**
 * A group member as the lag meter sees it: its assignment and generation, and the broker's answers
 * (the group's committed offsets, the log start and end). `hold()` keeps the next measurement in
 * flight until released, to see what happens meanwhile.
 */
class FakeMember extends EventEmitter {
  active = true;
  generationId = 1;
  assignments: { topic: string; partitions: number[] }[] = [{ topic: TOPIC, partitions: [0, 1] }];
  committed: bigint[] = [7n, -1n];
  start: bigint[] = [0n, 1n];
  end: bigint[] = [10n, 4n];
  measurements = 0;
  activeChecks = 0;
  private gate: Promise<void> | undefined;

  isActive() {
    this.activeChecks++;
    return this.active;
  }

  hold(): () => void {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.gate = promise;
    return () => {
      this.gate = undefined;
      resolve();
    };
  }

  /** Asked first: counts a measurement. */
  async listCommittedOffsets(opts: { topics: { topic: string; partitions: number[] }[] }) {
    this.measurements++;
    await this.gate;
    const out: bigint[] = [];
    for (const p of opts.topics[0]?.partitions ?? []) out[p] = this.committed[p] as bigint;
    return new Map([[TOPIC, out]]);
  }

  async listOffsets(opts: { partitions: Record<string, number[]>; timestamp?: bigint }) {
    const from = opts.timestamp === ListOffsetTimestamps.EARLIEST ? this.start : this.end;
    const out: bigint[] = [];
    for (const p of opts.partitions[TOPIC] ?? []) out[p] = from[p] as bigint;
    return new Map([[TOPIC, out]]);
  }

  rebalance(generationId: number, partitions: number[]) {
    this.generationId = generationId;
    this.assignments = [{ topic: TOPIC, partitions }];
  }
}

let meter: LagMeter | undefined;
afterEach(() => meter?.stop());

function setup(member = new FakeMember()) {
  const metrics = createNotifierMetrics(new Registry());
  meter = startLagMeter({
    consumer: member as unknown as Consumer<string, string, string, string>,
    topic: TOPIC,
    gauge: metrics.lag,
    intervalMs: 60_000, // no periodic measurement during a test: only joins and commits ask
    logger: captureLogger().logger,
  });
  const lag = async () =>
    Object.fromEntries((await metrics.lag.get()).values.map((v) => [v.labels.partition, v.value]));
  return { member, meter, lag };
}

describe("startLagMeter: notifier_consumer_lag from the broker's offsets", () => {
  test("log end minus the group's committed offset per owned partition; minus the log start when none is committed", async () => {
    const { member, lag } = setup();
    member.emit("consumer:group:join");
    await eventually("measured", async () => Object.keys(await lag()).length === 2);
    expect(await lag()).toEqual({ "0": 3, "1": 3 });
  });

  test("a join drops the series of partitions given away at once, then measures the ones it got", async () => {
    const { member, lag } = setup();
    member.emit("consumer:group:join");
    await eventually("measured", async () => Object.keys(await lag()).length === 2);

    member.rebalance(2, [1]);
    member.committed[1] = 4n;
    member.emit("consumer:group:join");
    expect(Object.keys(await lag())).toEqual(["1"]); // at once: partition 0 is someone else's
    await eventually("measured again", async () => (await lag())["1"] === 0);
    expect(await lag()).toEqual({ "1": 0 });
  });

  test("commits during a measurement are coalesced into one more measurement, not one each", async () => {
    const { member, meter, lag } = setup();
    const release = member.hold();
    member.emit("consumer:group:join");
    await eventually("first measurement in flight", () => member.measurements === 1);
    for (let i = 0; i < 50; i++) meter.refreshSoon(); // a busy consumer's commits
    release();
    await eventually("the first measured", async () => (await lag())["0"] === 3);
    member.committed[0] = 10n; // what the commits did, seen by the follow-up
    await eventually("the one follow-up measured", async () => (await lag())["0"] === 0);
    expect(member.measurements).toBe(2);
  });

  test("a rebalance during a measurement throws its figures away; the join measures again", async () => {
    const { member, lag } = setup();
    const release = member.hold();
    member.emit("consumer:group:join");
    await eventually("measurement in flight", () => member.measurements === 1);
    member.rebalance(2, [1]);
    member.emit("consumer:group:join");
    release();
    await eventually(
      "measured at generation 2",
      async () => member.measurements === 2 && "1" in (await lag()),
    );
    expect(await lag()).toEqual({ "1": 3 }); // partition 0 never reported: it was lost mid-measurement
  });

  test("nothing is measured mid-rejoin (the assignment is about to change)", async () => {
    const member = new FakeMember();
    member.active = false;
    const { lag } = setup(member);
    member.emit("consumer:group:join");
    await eventually("the meter looked", () => member.activeChecks > 0);
    expect(member.measurements).toBe(0);
    member.active = true;
    member.emit("consumer:group:join");
    await eventually("measured once active", async () => Object.keys(await lag()).length === 2);
    expect(member.measurements).toBe(1);
  });
});
