import { describe, expect, test } from "bun:test";
import { createLogger } from "@route256/platform";
import { startPeriodicJob } from "../../src/jobs/periodic-job.ts";
import { flush, waitUntil } from "../support/loms.ts";

const silent = createLogger("test", "silent");

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("test", "info", { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

/** Lets several job intervals pass (the jobs here run every 1-5 ms). */
async function severalIntervals() {
  for (let i = 0; i < 8; i++) await Bun.sleep(5);
}

describe("startPeriodicJob", () => {
  test("runs every interval; a run that did something is logged with the job, its count and `what`", async () => {
    const { lines, logger } = recordingLogger();
    const counts = [0, 2, 0, 1];
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: 1,
      run: async () => counts[runs++] ?? 0,
      what: "did demo things",
      logger,
    });
    await waitUntil(() => runs >= 6, "six runs");
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
      intervalMs: 1,
      run: async () => ++runs,
      what: "ran",
      logger: silent,
    });
    await job.stop();
    await severalIntervals();
    expect(runs).toBe(0);
  });

  test("stop() waits for the run in progress to finish, and nothing runs after it", async () => {
    const { lines, logger } = recordingLogger();
    const gate = Promise.withResolvers<number>();
    let started = 0;
    let finished = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: 1,
      run: async () => {
        started++;
        const n = await gate.promise;
        finished++;
        return n;
      },
      what: "ran",
      logger,
    });
    await waitUntil(() => started === 1, "the first run starts");

    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false); // the run is still blocked

    gate.resolve(3);
    await stopping;
    // The run in progress completed, and was logged, before stop() resolved.
    expect(finished).toBe(1);
    expect(lines.filter((l) => l.msg === "ran")).toEqual([
      expect.objectContaining({ job: "demo", count: 3 }),
    ]);
    await severalIntervals();
    expect(started).toBe(1);
  });

  test("a failed run is logged as an error and the next tick still runs", async () => {
    const { lines, logger } = recordingLogger();
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: 1,
      run: async () => {
        runs++;
        if (runs <= 2) throw new Error(`database unavailable #${runs}`);
        return 1;
      },
      what: "ran",
      logger,
    });
    await waitUntil(() => lines.some((l) => l.msg === "ran"), "a run succeeds after the failures");
    await job.stop();

    const failed = lines.filter((l) => l.msg === "background job run failed");
    expect(failed).toHaveLength(2);
    for (const line of failed) expect(line).toMatchObject({ level: "error", job: "demo" });
    expect(JSON.stringify(failed[0]?.err)).toContain("database unavailable #1");
    expect(JSON.stringify(failed[1]?.err)).toContain("database unavailable #2");
    expect(lines.find((l) => l.msg === "ran")).toMatchObject({ level: "info", job: "demo", count: 1 });
  });

  test("runs never overlap: the next run is scheduled when the current one ends", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: 1,
      run: async () => {
        runs++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await Bun.sleep(3); // longer than the interval
        inFlight--;
        return 0;
      },
      what: "ran",
      logger: silent,
    });
    await waitUntil(() => runs >= 5, "five runs");
    await job.stop();
    expect(maxInFlight).toBe(1);
    expect(inFlight).toBe(0);
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
      intervalMs: 1,
      run: async () => ++runs,
      what: "ran",
      logger,
    });
    await waitUntil(() => runs >= 3, "three runs");
    await job.stop();
    expect(errors).toBeGreaterThanOrEqual(2);
  });
});

describe("startPeriodicJob with a run that throws before returning its promise", () => {
  // known bug: loms/src/jobs/periodic-job.ts:24-25 calls `opts.run().then(...)` with no guard, so a
  // `run` that throws synchronously (a plain function failing while it builds its arguments, rather
  // than an async one rejecting) throws out of the timer callback: nothing is logged, the `finally`
  // that schedules the next tick never runs, and the job is dead for good (in a server process the
  // error is an uncaught exception). Today's callers pass arrow functions returning an async call,
  // which only reject, so this is latent. Fix: `Promise.resolve().then(opts.run)` or a try/catch.
  test("is logged as a failed run and the next tick still runs", async () => {
    const { lines, logger } = recordingLogger();
    let runs = 0;
    const job = startPeriodicJob({
      name: "demo",
      intervalMs: 1,
      run: () => {
        runs++;
        if (runs === 1) throw new Error("bad arguments");
        return Promise.resolve(1);
      },
      what: "ran",
      logger,
    });
    try {
      await waitUntil(() => runs >= 2, "a second run", 40);
    } finally {
      await job.stop();
    }
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
      intervalMs: 3_600_000, // only wake() can start a run within this test
      run: () => (gates[started++] as PromiseWithResolvers<number>).promise,
      what: "ran",
      logger: silent,
    });
    job.wake();
    await waitUntil(() => started === 1, "the woken run");
    job.wake(); // during the run: folded into one run after it
    job.wake();
    (gates[0] as PromiseWithResolvers<number>).resolve(0);
    await waitUntil(() => started === 2, "the run the wakes asked for");
    (gates[1] as PromiseWithResolvers<number>).resolve(0);
    await flush();
    expect(started).toBe(2); // not three: the two wakes were one
    job.wake();
    await waitUntil(() => started === 3, "the next woken run");
    (gates[2] as PromiseWithResolvers<number>).resolve(0);
    await job.stop();
    job.wake(); // after stop: nothing
    await flush();
    expect(started).toBe(3);
  });
});
