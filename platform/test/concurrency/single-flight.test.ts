import { describe, expect, jest, test } from "bun:test";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { SingleFlight } from "../../src/concurrency/single-flight.ts";

/**
 * A `run` the test controls: counts its calls, keeps the signal each got, and settles when the test
 * says so. Like a real call, it rejects with the signal's reason once the signal aborts.
 */
function controlledRun<V>() {
  const calls: { signal: AbortSignal; settle: PromiseWithResolvers<V> }[] = [];
  const run = (signal: AbortSignal) => {
    const settle = Promise.withResolvers<V>();
    calls.push({ signal, settle });
    signal.addEventListener("abort", () => settle.reject(signal.reason), { once: true });
    return settle.promise;
  };
  return { calls, run };
}

describe("SingleFlight", () => {
  test("concurrent calls for one key share one run and its result", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const waiters = [
      flight.do("k", r.run),
      flight.do("k", r.run, new AbortController().signal),
      flight.do("k", r.run),
    ];
    expect(r.calls).toHaveLength(1);
    expect(flight.size).toBe(1);
    r.calls[0]?.settle.resolve(42);
    expect(await Promise.all(waiters)).toEqual([42, 42, 42]);
    expect(flight.size).toBe(0);
  });

  test("a rejection is shared by every waiter", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const waiters = [flight.do("k", r.run), flight.do("k", r.run, new AbortController().signal)];
    const outcomes = Promise.allSettled(waiters);
    const boom = new Error("boom");
    r.calls[0]?.settle.reject(boom);
    const failed = { status: "rejected" as const, reason: boom };
    expect(await outcomes).toEqual([failed, failed]);
    expect(r.calls).toHaveLength(1);
    expect(flight.size).toBe(0);
  });

  test("different keys run separately", async () => {
    const flight = new SingleFlight<string, string>();
    const a = flight.do("a", async () => "A");
    const b = flight.do("b", async () => "B");
    expect(await Promise.all([a, b])).toEqual(["A", "B"]);
  });

  test("the next call after the flight settled starts a fresh run (after success and after failure)", async () => {
    const flight = new SingleFlight<string, number>();
    let runs = 0;
    expect(await flight.do("k", async () => ++runs)).toBe(1);
    expect(await flight.do("k", async () => ++runs)).toBe(2);
    expect(
      await rejectionOf(flight.do("k", async () => Promise.reject(new Error(`failed ${++runs}`)))),
    ).toMatchObject({ message: "failed 3" });
    expect(await flight.do("k", async () => ++runs)).toBe(4);
    expect(flight.size).toBe(0);
  });

  test("an already aborted signal rejects at once without running", async () => {
    const flight = new SingleFlight<string, number>();
    const caller = new AbortController();
    const reason = new Error("gone");
    caller.abort(reason);
    let runs = 0;
    await expect(flight.do("k", async () => ++runs, caller.signal)).rejects.toBe(reason);
    expect(runs).toBe(0);
    expect(flight.size).toBe(0);
  });

  test("one waiter aborting rejects only its own wait; the shared run goes on for the others", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const impatient = new AbortController();
    const patient = new AbortController();
    const first = flight.do("k", r.run, impatient.signal);
    const second = flight.do("k", r.run, patient.signal);
    const reason = new Error("impatient");
    impatient.abort(reason);
    await expect(first).rejects.toBe(reason);
    expect(r.calls[0]?.signal.aborted).toBe(false);
    r.calls[0]?.settle.resolve(7);
    expect(await second).toBe(7);
  });

  test("the shared run's signal aborts when every waiter has aborted, with the last reason", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const callers = [new AbortController(), new AbortController(), new AbortController()];
    const settled = Promise.allSettled(callers.map((c) => flight.do("k", r.run, c.signal)));
    const shared = r.calls[0]!.signal;

    callers[0]?.abort(new Error("first"));
    callers[1]?.abort(new Error("second"));
    await Bun.sleep(0);
    expect(shared.aborted).toBe(false);
    callers[2]?.abort(new Error("last"));
    expect(shared.aborted).toBe(true);
    expect(shared.reason).toMatchObject({ message: "last" });
    expect((await settled).map((s) => s.status)).toEqual(["rejected", "rejected", "rejected"]);
    await until(() => flight.size === 0);
  });

  test("a waiter without a signal keeps the shared run alive", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const caller = new AbortController();
    const withSignal = flight.do("k", r.run, caller.signal);
    const without = flight.do("k", r.run);
    caller.abort(new Error("gone"));
    await rejectionOf(withSignal);
    expect(r.calls[0]?.signal.aborted).toBe(false);
    r.calls[0]?.settle.resolve(1);
    expect(await without).toBe(1);
  });

  test("a waiter that joins later and aborts does not cancel the run the earlier ones wait for", async () => {
    const flight = new SingleFlight<string, number>();
    const r = controlledRun<number>();
    const early = flight.do("k", r.run, new AbortController().signal);
    const late = new AbortController();
    const lateWait = flight.do("k", r.run, late.signal);
    late.abort(new Error("late gone"));
    await rejectionOf(lateWait);
    expect(r.calls[0]?.signal.aborted).toBe(false);
    r.calls[0]?.settle.resolve(5);
    expect(await early).toBe(5);
  });

  // A caller arriving after every earlier waiter aborted, before the cancelled run settled, must
  // get a fresh run rather than join the doomed one.
  test("a caller arriving after all waiters aborted gets a fresh run, not their cancellation", async () => {
    const flight = new SingleFlight<string, number>();
    let runs = 0;
    // A run that, like fetch, notices the abort a moment later rather than synchronously.
    const run = (signal: AbortSignal) =>
      new Promise<number>((resolve, reject) => {
        const n = ++runs;
        signal.addEventListener("abort", () => setTimeout(() => reject(signal.reason), 0), { once: true });
        setTimeout(() => resolve(n), 50);
      });
    jest.useFakeTimers();
    try {
      const gone = new AbortController();
      const first = flight.do("k", run, gone.signal);
      gone.abort(new Error("first caller gone"));
      await rejectionOf(first);

      const second = Promise.allSettled([flight.do("k", run, new AbortController().signal)]);
      jest.advanceTimersByTime(0); // the cancelled run notices its abort
      jest.advanceTimersByTime(50); // the fresh run answers
      expect(await second).toEqual([{ status: "fulfilled", value: 2 }]);
    } finally {
      jest.useRealTimers();
    }
  });
});
