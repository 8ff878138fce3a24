import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createClient as createConnectClient,
  createRouterTransport,
} from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { eventually, rejectionOf } from "@route256/testkit/helpers";
import { startRedis, type TestRedis } from "@route256/testkit/redis-server";
import { createClient } from "redis";
import { createLogger } from "../../src/logger.ts";
import { rateLimitInterceptor } from "../../src/ratelimit/interceptor.ts";
import { type RateLimiter, spacingMs, type WaitSource } from "../../src/ratelimit/limiter.ts";
import { createLocalLimiter } from "../../src/ratelimit/local-limiter.ts";
import { createRedisLimiter, type RedisScriptClient } from "../../src/ratelimit/redis-limiter.ts";
import { LogCapture } from "../support/log-capture.ts";

const RPS = 10;
const INTERVAL = spacingMs(RPS); // 105 ms
const WARN = "rate limiter: Redis unreachable, using the in-process limiter";
const BACK = "rate limiter: Redis answers again, back to the shared limiter";

let redis: TestRedis;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(async () => {
  await redis.stop();
});

/** A separate connection per simulated cart process, reconnecting quickly for the outage tests. */
async function connect(url = redis.url) {
  const client = createClient({ url, socket: { reconnectStrategy: 50 } });
  client.on("error", () => {}); // outages are expected here; the limiter logs them
  await client.connect();
  clients.push(client);
  return client;
}

interface Harness {
  limiter: RateLimiter;
  log: LogCapture;
  sources: WaitSource[];
}

function limiterOn(
  client: RedisScriptClient,
  key: string,
  extra: { redisTimeoutMs?: number; retryAfterMs?: number } = {},
): Harness {
  const log = new LogCapture();
  const sources: WaitSource[] = [];
  const limiter = createRedisLimiter({
    client,
    key,
    rps: RPS,
    fallback: createLocalLimiter({ rps: RPS }),
    logger: createLogger("test", "info", log),
    onWait: (_ms, source) => sources.push(source),
    ...extra,
  });
  return { limiter, log, sources };
}

/**
 * Passes every command through to `client` and keeps the turn times (`slot`: Redis' clock in
 * integer microseconds, exact in a double) of the turns the take-turn script grants.
 */
function recordingTurns(client: RedisScriptClient, turns: number[]): RedisScriptClient {
  return {
    get isReady() {
      return client.isReady;
    },
    async sendCommand<T>(args: ReadonlyArray<string>, options?: { abortSignal?: AbortSignal }): Promise<T> {
      const reply = await client.sendCommand<T>(args, options);
      if (Array.isArray(reply) && reply[0] === "ok" && reply.length === 4) turns.push(Number(reply[2]));
      return reply;
    },
  };
}

function freshKey(): string {
  return `ratelimit:test:${crypto.randomUUID()}`;
}

/** Most resolutions that fall in any window [t, t + 1000) — the load test's per-second count. */
function maxPerSecond(sorted: number[]): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= 1000) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

describe("shared through a real Redis", () => {
  test("two processes, 30 concurrent calls: the shared schedule is evenly spaced, never 11 turns in a second", async () => {
    const key = freshKey();
    const turns: number[] = [];
    const a = limiterOn(recordingTurns(await connect(), turns), key);
    const b = limiterOn(recordingTurns(await connect(), turns), key);
    const started = performance.now();
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await (i % 2 === 0 ? a : b).limiter.acquire();
        done.push(performance.now() - started);
      }),
    );
    done.sort((x, y) => x - y);
    turns.sort((x, y) => x - y);
    const turnsMs = turns.map((us) => us / 1000);
    const turnGaps = turnsMs.slice(1).map((t, i) => t - turnsMs[i]!);
    const total = done.at(-1)!;
    console.log(
      `redis limiter, 30 calls over 2 clients: turns on Redis' clock ${Math.min(...turnGaps).toFixed(3)}–` +
        `${Math.max(...turnGaps).toFixed(3)} ms apart, max ${maxPerSecond(turnsMs)} per 1 s window; ` +
        `callers resumed over ${total.toFixed(0)} ms (29 × ${INTERVAL} = ${29 * INTERVAL}), ` +
        `max ${maxPerSecond(done)} per 1 s window as their timers fired`,
    );
    // The guarantee is the schedule both processes share, decided atomically on Redis' clock. When
    // callers actually resume is up to their event loops: on a loaded machine one timer firing late
    // can squeeze the next ten into less than a second, which no limiter can prevent — the 5 %
    // spacing margin (105 ms for 10 RPS) absorbs up to ~50 ms of that.
    expect(turns.length).toBe(30);
    expect(Math.min(...turnGaps)).toBeGreaterThanOrEqual(INTERVAL);
    expect(maxPerSecond(turnsMs)).toBeLessThanOrEqual(10);
    expect(total).toBeGreaterThanOrEqual(29 * INTERVAL - 50); // nobody went before its turn
    expect(total).toBeLessThan(3 * 29 * INTERVAL);
    expect([...a.sources, ...b.sources].every((s) => s === "redis")).toBe(true);
    expect(a.sources.length + b.sources.length).toBe(30);
  });

  test("through the interceptor, counted where products receives them: none before its turn, turns ≤ 10 in any second", async () => {
    const key = freshKey();
    const turns: number[] = [];
    const arrivals: number[] = [];
    // Arrivals stamped on the clock the turns are on, Redis' TIME (a round trip after the arrival).
    const clock = await connect();
    const routes = (router: ConnectRouter) =>
      router.service(ProductService, {
        async getProduct(req) {
          const [seconds, micros] = await clock.sendCommand<[string, string]>(["TIME"]);
          arrivals.push(Number(seconds) * 1000 + Number(micros) / 1000);
          return { product: { sku: req.sku, name: "x", price: 1 } };
        },
      });
    // Two cart processes: each its own Redis connection, limiter and Connect client.
    const carts = await Promise.all(
      [0, 1].map(async () => {
        const { limiter } = limiterOn(recordingTurns(await connect(), turns), key);
        const transport = createRouterTransport(routes, {
          transport: { interceptors: [rateLimitInterceptor(limiter)] },
        });
        return createConnectClient(ProductService, transport);
      }),
    );
    await Promise.all(
      Array.from({ length: 22 }, (_, i) =>
        carts[i % 2]!.getProduct({ sku: BigInt(i + 1) }, { timeoutMs: 10_000 }),
      ),
    );
    arrivals.sort((x, y) => x - y);
    const turnsMs = turns.sort((x, y) => x - y).map((us) => us / 1000);
    console.log(
      `interceptor + redis limiter, 22 calls: max per 1 s window at the server ${maxPerSecond(arrivals)} ` +
        `(turns: ${maxPerSecond(turnsMs)}), first→last ${(arrivals.at(-1)! - arrivals[0]!).toFixed(0)} ms ` +
        `(21 × ${INTERVAL} = ${21 * INTERVAL}), k-th arrival after the k-th turn by at least ` +
        `${Math.min(...arrivals.map((at, k) => at - turnsMs[k]!)).toFixed(3)} ms`,
    );
    // The guarantee is the shared schedule on Redis' clock, and that no call reaches products before
    // its turn: then the k-th request to arrive came no earlier than the k-th turn. How late a
    // caller's timer fires is up to its event loop (see the test above), so arrivals themselves can
    // be squeezed by a loaded machine, never brought forward.
    expect(arrivals.length).toBe(22);
    expect(turnsMs.length).toBe(22);
    expect(maxPerSecond(turnsMs)).toBeLessThanOrEqual(10);
    expect(arrivals.filter((at, k) => at < turnsMs[k]!)).toEqual([]);
    // On Redis' clock, as in the test above: with the line above, nobody went before its turn.
    expect(Math.min(...turnsMs.slice(1).map((t, i) => t - turnsMs[i]!))).toBeGreaterThanOrEqual(INTERVAL);
  });

  test("a turn past the deadline is refused quickly with DeadlineExceeded and stays free", async () => {
    const turns: number[] = [];
    const { limiter } = limiterOn(recordingTurns(await connect(), turns), freshKey());
    const started = performance.now();
    const queued = Array.from({ length: 5 }, () => limiter.acquire()); // turns 0 … 420 ms
    const err = await rejectionOf(limiter.acquire({ deadline: Date.now() + 300 })); // would be 525
    const refusedAfter = performance.now() - started;
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(refusedAfter).toBeLessThan(300); // refused when asked, not when the deadline came
    await limiter.acquire();
    // The refused turn was never taken: the next caller got 525, not 630 (Redis' clock, exact).
    expect(turns.length).toBe(6);
    expect(turns[5]! - turns[0]!).toBe(5 * INTERVAL * 1000);
    await Promise.all(queued);
  });

  test("a cancelled last turn rejects with the reason and is given back", async () => {
    const turns: number[] = [];
    const { limiter } = limiterOn(recordingTurns(await connect(), turns), freshKey());
    const queued = [limiter.acquire(), limiter.acquire()]; // 0, 105
    const abort = new AbortController();
    const cancelled = limiter.acquire({ signal: abort.signal }); // 210
    await eventually("the third turn is granted", () => turns.length === 3); // and is being waited for
    const reason = new Error("caller went away");
    abort.abort(reason);
    await expect(cancelled).rejects.toBe(reason);
    await limiter.acquire();
    // The next caller got the given-back 210 again, not 315 (Redis' clock, exact).
    expect(turns.length).toBe(4);
    expect(turns[3]! - turns[0]!).toBe(2 * INTERVAL * 1000);
    await Promise.all(queued);
  });
});

describe("when Redis goes away", () => {
  test("a killed server: calls go on through the fallback, one warning, back to Redis when it returns", async () => {
    const own = await startRedis();
    try {
      const client = await connect(own.url);
      const h = limiterOn(client, freshKey(), { retryAfterMs: 50 });
      await h.limiter.acquire();
      expect(h.sources).toEqual(["redis"]);

      await own.kill();
      for (let i = 0; i < 3; i++) await h.limiter.acquire(); // no throw
      expect(h.sources.slice(1)).toEqual(["local", "local", "local"]);
      expect(h.log.withMessage(WARN).length).toBe(1);
      expect(h.log.withMessage(WARN)[0]!.level).toBe("warn");

      const again = await startRedis(own.port);
      try {
        await eventually("the client reconnects", () => client.isReady);
        await Bun.sleep(60); // past retryAfterMs: the limiter's own clock, which the test cannot move
        await h.limiter.acquire(); // the restarted server knows no script: EVALSHA → EVAL
        expect(h.sources.at(-1)).toBe("redis");
        expect(h.log.withMessage(BACK).length).toBe(1);

        await again.kill(); // a second outage gets its own warning
        await h.limiter.acquire();
        expect(h.sources.at(-1)).toBe("local");
        expect(h.log.withMessage(WARN).length).toBe(2);
      } finally {
        await again.stop().catch(() => {});
      }
    } finally {
      await own.stop().catch(() => {});
    }
  }, 15_000);

  test("a paused (hung) server cannot hang callers: the script call times out into the fallback", async () => {
    const key = freshKey();
    const h = limiterOn(await connect(), key, { redisTimeoutMs: 100 });
    await h.limiter.acquire();
    const admin = await connect();
    await admin.sendCommand(["CLIENT", "PAUSE", "1000", "ALL"]);
    const started = performance.now();
    await h.limiter.acquire();
    const took = performance.now() - started;
    expect(h.sources).toEqual(["redis", "local"]);
    expect(took).toBeGreaterThanOrEqual(95); // it did wait for Redis, as long as redisTimeoutMs…
    expect(took).toBeLessThan(700); // …and no longer: the pause lasts 1000 ms
    expect(h.log.withMessage(WARN).length).toBe(1);
    await Bun.sleep(1000); // let the pause end before the client is closed
  });
});

/** A stand-in client whose answers the test decides. */
function stubClient(answer: (args: ReadonlyArray<string>) => Promise<unknown>) {
  const calls: ReadonlyArray<string>[] = [];
  const signals: AbortSignal[] = [];
  const client = {
    isReady: true,
    sendCommand<T>(args: ReadonlyArray<string>, options?: { abortSignal?: AbortSignal }): Promise<T> {
      calls.push(args);
      if (options?.abortSignal) signals.push(options.abortSignal);
      return answer(args) as Promise<T>;
    },
  };
  return { client, calls, signals };
}

describe("failure handling (stub client)", () => {
  test("a hung call is abandoned after the timeout; others skip Redis until retryAfterMs", async () => {
    const stub = stubClient(() => new Promise(() => {}));
    const h = limiterOn(stub.client, "k", { redisTimeoutMs: 50, retryAfterMs: 60_000 });
    await h.limiter.acquire(); // the stub never answers: only the 50 ms timeout can end this call
    expect(stub.signals[0]!.aborted).toBe(true); // the queued command is dropped, not left behind
    await h.limiter.acquire();
    await h.limiter.acquire();
    expect(stub.calls.length).toBe(1);
    expect(h.sources).toEqual(["local", "local", "local"]);
    expect(h.log.withMessage(WARN).length).toBe(1);
  });

  test("errors fall back with one warning per outage; a good answer ends the outage", async () => {
    let failing = true;
    const stub = stubClient(async () => {
      if (failing) throw new Error("READONLY You can't write against a read only replica.");
      return ["ok", "0.000", "1", "105000"];
    });
    const h = limiterOn(stub.client, "k", { retryAfterMs: 0 });
    await h.limiter.acquire();
    await h.limiter.acquire();
    expect(h.log.withMessage(WARN).length).toBe(1);
    failing = false;
    await h.limiter.acquire();
    expect(h.sources).toEqual(["local", "local", "redis"]);
    expect(h.log.withMessage(BACK).length).toBe(1);
  });

  test("a caller cancelled while Redis decides leaves at once; a turn granted later is handed back", async () => {
    let answer = (_: unknown) => {};
    const stub = stubClient((args) =>
      args[0] === "EVALSHA" ? new Promise((resolve) => (answer = resolve)) : Promise.resolve(1),
    );
    const h = limiterOn(stub.client, "k", { redisTimeoutMs: 5000 });
    const abort = new AbortController();
    const pending = h.limiter.acquire({ signal: abort.signal });
    const reason = new Error("caller went away");
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
    answer(["ok", "0.000", "1000", "106000"]);
    await Bun.sleep(0);
    expect(stub.calls.length).toBe(2);
    expect(stub.calls[1]!.slice(0, 1)).toEqual(["EVAL"]);
    expect(stub.calls[1]!.slice(2)).toEqual(["1", "k", "106000", "1000"]); // back to 1000 if still 106000
    expect(h.sources).toEqual([]);
    expect(h.log.withMessage(WARN).length).toBe(0);
  });

  test("a disconnected client is not even asked (node-redis would queue the command)", async () => {
    const stub = stubClient(() => Promise.reject(new Error("unreachable")));
    stub.client.isReady = false;
    const h = limiterOn(stub.client, "k");
    await h.limiter.acquire();
    expect(stub.calls.length).toBe(0);
    expect(h.sources).toEqual(["local"]);
    expect(h.log.withMessage(WARN).length).toBe(1);
  });

  test("a deadline already passed fails without a Redis call; the fallback honours deadlines too", async () => {
    const stub = stubClient(() => Promise.reject(new Error("down")));
    const h = limiterOn(stub.client, "k");
    const err = await rejectionOf(h.limiter.acquire({ deadline: Date.now() - 1 }));
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(stub.calls.length).toBe(0);
    await h.limiter.acquire(); // the outage starts; the fallback's turn at 0
    const late = await rejectionOf(h.limiter.acquire({ deadline: Date.now() + 20 })); // its next is ~105
    expect((late as ConnectError).code).toBe(Code.DeadlineExceeded);
  });
});
