// startPeriodicJob on the fake clock: time moves only when a test advances it, so "six intervals
// passed" means six runs exactly — no real sleeps, nothing that a loaded machine can make late.
import { describe, expect, jest, test } from "bun:test";
import { createLogger } from "@route256/platform/logger";
import { startPeriodicJob } from "../../src/jobs/periodic-job.ts";
import { fakeJobTimers, settle } from "../support/fake-timers.ts";

const INTERVAL = 1000;
const { intervals } = fakeJobTimers(INTERVAL);
const silent = createLogger("test", "silent");

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

describe("startPeriodicJob", () => {
  test("runs once every interval; a run that did something is logged with the job, its count and `what`", async () => {
    const { lines, logger } = recordingLogger();
    const counts = [0, 2, 0, 1];
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: async () => counts[runs++] ?? 0,
      what: "did demo things",
      logger,
    });
    jest.advanceTimersByTime(INTERVAL - 1);
    await settle();
    expect(runs).toBe(0);
    await intervals(6);
    expect(runs).toBe(6);
    await job.stop();

    // Quiet when a run had nothing to do: exactly one line per run that did something.
    expect(lines.filter((l) => l.msg === "did demo things")).toEqual([
      expect.objectContaining({ level: "info", job: "demo", count: 2 }),
      expect.objectContaining({ level: "info", job: "demo", count: 1 }),
    ]);
    expect(lines.filter((l) => l.level !== "info")).toEqual([]);
  });

  test("stop() before the first run: no run ever happens", async () => {
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: async () => ++runs,
      what: "ran",
      logger: silent,
    });
    await job.stop();
    await intervals(10);
    expect(runs).toBe(0);
  });

  test("stop() waits for the run in progress to finish, and nothing runs after it", async () => {
    const { lines, logger } = recordingLogger();
    const gate = Promise.withResolvers<number>();
    let started = 0;
    let finished = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: async () => {
        started++;
        const n = await gate.promise;
        finished++;
        return n;
      },
      what: "ran",
      logger,
    });
    await intervals(1);
    expect(started).toBe(1);

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // the run is still blocked

    gate.resolve(3);
    await stopping;
    // The run in progress completed, and was logged, before stop() resolved.
    expect(finished).toBe(1);
    expect(lines.filter((l) => l.msg === "ran")).toEqual([
      expect.objectContaining({ job: "demo", count: 3 }),
    ]);
    await intervals(10);
    expect(started).toBe(1);
  });

  test("a failed run is logged as an error and the next tick still runs", async () => {
    const { lines, logger } = recordingLogger();
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: async () => {
        runs++;
        if (runs <= 2) throw new Error(`database unavailable #${runs}`);
        return 1;
      },
      what: "ran",
      logger,
    });
    await intervals(3);
    await job.stop();

    const failed = lines.filter((l) => l.msg === "background job run failed");
    expect(failed).toHaveLength(2);
    for (const line of failed) expect(line).toMatchObject({ level: "error", job: "demo" });
    expect(JSON.stringify(failed[0]?.err)).toContain("database unavailable #1");
    expect(JSON.stringify(failed[1]?.err)).toContain("database unavailable #2");
    expect(lines.find((l) => l.msg === "ran")).toMatchObject({ level: "info", job: "demo", count: 1 });
  });

  test("runs never overlap: the next run is scheduled one interval after the current one ends", async () => {
    const gates: PromiseWithResolvers<number>[] = [];
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: () => {
        const gate = Promise.withResolvers<number>();
        gates.push(gate);
        return gate.promise;
      },
      what: "ran",
      logger: silent,
    });
    await intervals(1);
    expect(gates).toHaveLength(1);
    await intervals(5); // the run takes five intervals: no other starts meanwhile
    expect(gates).toHaveLength(1);
    gates[0]?.resolve(0);
    await settle();
    jest.advanceTimersByTime(INTERVAL - 1);
    await settle();
    expect(gates).toHaveLength(1);
    await intervals(1);
    expect(gates).toHaveLength(2);
    gates[1]?.resolve(0);
    await job.stop();
  });

  test("a logger that throws does not stop the job", async () => {
    let runs = 0;
    let errors = 0;
    const logger = {
      ...silent,
      info: () => {
        throw new Error("log sink full");
      },
      error: () => {
        errors++;
      },
    } as unknown as typeof silent;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: async () => ++runs,
      what: "ran",
      logger,
    });
    await intervals(3);
    await job.stop();
    expect(runs).toBe(3);
    expect(errors).toBe(3);
  });
});

describe("startPeriodicJob with a run that throws before returning its promise", () => {
  // A `run` that throws synchronously (a plain function failing while it builds its arguments,
  // rather than an async one rejecting) is a failed run like any other: logged, and the next tick
  // still comes.
  test("is logged as a failed run and the next tick still runs", async () => {
    const { lines, logger } = recordingLogger();
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: INTERVAL,
      run: () => {
        runs++;
        if (runs === 1) throw new Error("bad arguments");
        return Promise.resolve(1);
      },
      what: "ran",
      logger,
    });
    await intervals(2);
    await job.stop();
    expect(runs).toBe(2);
    expect(lines.find((l) => l.msg === "background job run failed")).toMatchObject({ job: "demo" });
  });
});

describe("wake()", () => {
  test("runs now instead of at the next tick; a wake during a run means exactly one more run right after", async () => {
    const gates = [
      Promise.withResolvers<number>(),
      Promise.withResolvers<number>(),
      Promise.withResolvers<number>(),
    ];
    let started = 0;
    const job = startPeriodicJob({
      name: "relay",
      intervalMs: 3_600_000, // only wake() can start a run: the fake clock never gets there
      run: () => (gates[started++] as PromiseWithResolvers<number>).promise,
      what: "ran",
      logger: silent,
    });
    job.wake();
    await settle();
    expect(started).toBe(1);
    job.wake(); // during the run: folded into one run after it
    job.wake();
    (gates[0] as PromiseWithResolvers<number>).resolve(0);
    await settle();
    jest.advanceTimersByTime(0); // "right after": the next tick is scheduled with no delay
    await settle();
    expect(started).toBe(2);
    (gates[1] as PromiseWithResolvers<number>).resolve(0);
    await settle();
    jest.advanceTimersByTime(0);
    await settle();
    expect(started).toBe(2); // not three: the two wakes were one
    job.wake();
    await settle();
    expect(started).toBe(3);
    (gates[2] as PromiseWithResolvers<number>).resolve(0);
    await job.stop();
    job.wake(); // after stop: nothing
    await settle();
    expect(started).toBe(3);
  });
});
