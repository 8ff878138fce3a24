import { within } from "../concurrency/within.ts";
import type { Logger } from "../logger.ts";
import { giveBackTurn, type LuaScript, takeTurn } from "./gcra-script.ts";
import {
  type AcquireOptions,
  type AcquireResult,
  deadlineExceeded,
  type OnWait,
  type RateLimiter,
  realSleep,
  type Sleep,
  spacingMs,
} from "./limiter.ts";

/**
 * The part of a node-redis client the limiter uses; a `createClient()` result fits. Kept this small
 * so tests can stand in a client that hangs or fails.
 */
export interface RedisScriptClient {
  /** False while (re)connecting: node-redis would queue the command until it reconnects. */
  readonly isReady: boolean;
  sendCommand<T = unknown>(args: ReadonlyArray<string>, options?: { abortSignal?: AbortSignal }): Promise<T>;
}

export interface RedisLimiterOptions {
  client: RedisScriptClient;
  /** Every process sharing this key shares one rate. */
  key: string;
  rps: number;
  spacingFactor?: number;
  /** Used while Redis does not answer; give it the same rate (and no onWait of its own). */
  fallback: RateLimiter;
  logger: Pick<Logger, "warn" | "info">;
  /** Observes granted turns, tagged with where they came from (also the fallback's, as "local"). */
  onWait?: OnWait;
  /** How long a script call may take before the caller goes to the fallback. Default 200 ms. */
  redisTimeoutMs?: number;
  /**
   * After a failed or timed-out call, Redis is tried again by one caller per this period; the rest
   * go straight to the fallback, so a hung Redis costs at most one timeout per period. Default 1000.
   */
  retryAfterMs?: number;
  sleep?: Sleep;
}

type TakeReply = ["late", string] | ["ok", string, string, string];

/**
 * The shared limiter: one atomic Lua script per turn (gcra-script.ts) decides, on Redis' clock, when
 * the caller may go; the caller then sleeps here, so Redis holds no connection or lock while anyone
 * waits. When Redis is unreachable, slow or failing, turns come from `fallback` instead — callers
 * never fail or hang because of Redis — with one warning per outage and an info line when Redis
 * answers again.
 */
export function createRedisLimiter(opts: RedisLimiterOptions): RateLimiter {
  const { client, key, fallback, logger, onWait } = opts;
  const intervalUs = String(Math.round(spacingMs(opts.rps, opts.spacingFactor) * 1000));
  const timeoutMs = opts.redisTimeoutMs ?? 200;
  const retryAfterMs = opts.retryAfterMs ?? 1000;
  const sleep = opts.sleep ?? realSleep;
  let outage = false;
  let retryAt = 0;

  function enterOutage(reason: string, err?: unknown): void {
    if (outage) return;
    outage = true;
    logger.warn({ err, key, reason }, "rate limiter: Redis unreachable, using the in-process limiter");
  }

  function redisUsable(): boolean {
    if (!client.isReady) {
      enterOutage("client not connected");
      return false;
    }
    if (!outage) return true;
    const t = performance.now();
    if (t < retryAt) return false;
    retryAt = t + retryAfterMs; // this caller probes; the others keep to the fallback meanwhile
    return true;
  }

  async function viaFallback(acquireOpts: AcquireOptions): Promise<AcquireResult> {
    const result = await fallback.acquire(acquireOpts);
    onWait?.(result.waitedMs, "local");
    return result;
  }

  function giveBack(slot: string, tat: string): void {
    // Best effort: if it fails the turn simply stays used, which errs on the safe side. Plain EVAL
    // (the script is tiny) keeps it one command, so it reaches Redis before any acquire sent after
    // it on this connection; EVALSHA's NOSCRIPT retry could let a later acquire overtake it.
    evalScript(giveBackTurn, [tat, slot], true).catch(() => {});
  }

  async function evalScript<T>(lua: LuaScript, args: string[], plainEval = false): Promise<T> {
    // The signal aborts at the timeout: it drops the command if it is still queued in the client.
    const run = async (abortSignal: AbortSignal) => {
      const tail = ["1", key, ...args];
      if (plainEval) return client.sendCommand<T>(["EVAL", lua.source, ...tail], { abortSignal });
      try {
        return await client.sendCommand<T>(["EVALSHA", lua.sha, ...tail], { abortSignal });
      } catch (err) {
        // A restarted server forgets its scripts: send the source once, EVALSHA works again after.
        if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
        return await client.sendCommand<T>(["EVAL", lua.source, ...tail], { abortSignal });
      }
    };
    return within(timeoutMs, run, () => new Error(`Redis did not answer within ${timeoutMs} ms`));
  }

  return {
    async acquire(acquireOpts: AcquireOptions = {}): Promise<AcquireResult> {
      const { signal, deadline } = acquireOpts;
      signal?.throwIfAborted();
      let maxWaitUs = "-1";
      if (deadline !== undefined) {
        const left = deadline - Date.now();
        if (left < 0) throw deadlineExceeded(0, left); // no turn can help; spare Redis the call
        maxWaitUs = String(Math.floor(left * 1000));
      }
      if (!redisUsable()) return viaFallback(acquireOpts);
      const pending = evalScript<TakeReply>(takeTurn, [intervalUs, maxWaitUs]);
      const outcome = await settleUnlessAborted(pending, signal);
      if (outcome === "aborted") {
        // The caller left while Redis was deciding; a turn granted after that is handed back.
        pending.then((r) => r[0] === "ok" && giveBack(r[2], r[3])).catch(() => {});
        throw signal!.reason;
      }
      if ("error" in outcome) {
        enterOutage("script call failed", outcome.error);
        retryAt = performance.now() + retryAfterMs;
        return viaFallback(acquireOpts);
      }
      const reply = outcome.value;
      if (outage) {
        outage = false;
        logger.info({ key }, "rate limiter: Redis answers again, back to the shared limiter");
      }
      const wait = Number(reply[1]);
      if (reply[0] === "late") throw deadlineExceeded(wait, deadline! - Date.now());
      const [, , slot, tat] = reply;
      if (wait > 0 || signal?.aborted) {
        try {
          await sleep(wait, signal);
        } catch (err) {
          giveBack(slot, tat);
          throw err;
        }
      }
      onWait?.(wait, "redis");
      return { waitedMs: wait };
    },
  };
}

type Settled<T> = { value: T } | { error: unknown };

/**
 * The promise's outcome, or "aborted" as soon as the signal fires: the script call is bounded by
 * its own timeout, but a caller whose deadline or cancellation comes sooner should not wait for it.
 */
function settleUnlessAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<Settled<T> | "aborted"> {
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!signal) return settled;
  let onAbort = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([settled, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
