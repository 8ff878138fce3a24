import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Simulated crashes of a LOMS instance half-way through a saga. An operation runs under
 * `crashingAfter(step, run)`; a repository wrapped by `withCrashes` lets the call named `step`
 * (e.g. "stocks.sell") complete — its unit of work is committed — and then throws a Crash instead
 * of returning, so the saga never reaches its next step, exactly like a process that died there.
 * Calls made outside such an operation (or after its one crash) are never affected.
 */
export class Crash extends Error {
  constructor(readonly step: string) {
    super(`simulated crash right after ${step}`);
    this.name = "Crash";
  }
}

/** The step names `withCrashes` knows: "<repository>.<method>". */
export type CrashStep =
  | "orders.newId"
  | "orders.create"
  | "orders.existing"
  | "orders.changeStatus"
  | "orders.claimStale"
  | "orders.markVerified"
  | "stocks.reserve"
  | "stocks.sell"
  | "stocks.release"
  | "stocks.abandon"
  | "stocks.reservationOf"
  | "stocks.claimUnseen"
  | "stocks.markOrdersSeen";

interface Plan {
  readonly after: CrashStep;
  /** Crash after the n-th call of the step within the operation (1 = the first). */
  readonly nth: number;
  seen: number;
  crashed: boolean;
}

const plans = new AsyncLocalStorage<Plan | undefined>();

/** Runs `run` so that it crashes right after its `nth` call of `step` (never when `step` is undefined). */
export function crashingAfter<T>(step: CrashStep | undefined, run: () => Promise<T>, nth = 1): Promise<T> {
  return plans.run(step ? { after: step, nth, seen: 0, crashed: false } : undefined, run);
}

/** Wraps a repository so the plan of the operation calling it can crash it after a step. */
export function withCrashes<T extends object>(inner: T, name: "orders" | "stocks"): T {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      const step = `${name}.${String(prop)}`;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        const plan = plans.getStore();
        if (plan && !plan.crashed && plan.after === step && ++plan.seen === plan.nth) {
          plan.crashed = true;
          throw new Crash(step);
        }
        return result;
      };
    },
  });
}
