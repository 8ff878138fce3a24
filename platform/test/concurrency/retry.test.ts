import { describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { withRetry } from "../../src/concurrency/retry.ts";
import { abortableSleep } from "../../src/concurrency/sleep.ts";
import { retryInterceptor } from "../../src/connect/retry-interceptor.ts";

/** An attempt that fails with the given codes in turn, then answers "ok"; counts its calls. */
function failing(...codes: Code[]) {
  const attempt = async () => {
    attempt.calls++;
    const code = codes[attempt.calls - 1];
    if (code !== undefined) throw new ConnectError(`attempt ${attempt.calls}`, code);
    return "ok";
  };
  attempt.calls = 0;
  return attempt;
}

const FAST = { retries: 3, baseDelayMs: 1 };

describe("withRetry", () => {
  test("a first success is returned without retrying", async () => {
    const attempt = failing();
    expect(await withRetry(attempt, FAST)).toBe("ok");
    expect(attempt.calls).toBe(1);
  });

  test("retries ResourceExhausted and Unavailable, then returns the success", async () => {
    const attempt = failing(Code.ResourceExhausted, Code.Unavailable, Code.ResourceExhausted);
    expect(await withRetry(attempt, FAST)).toBe("ok");
    expect(attempt.calls).toBe(4);
  });

  test("gives up after `retries` retries and throws the last error", async () => {
    const attempt = failing(
      Code.Unavailable,
      Code.Unavailable,
      Code.Unavailable,
      Code.Unavailable,
      Code.Unavailable,
    );
    const err = await rejectionOf(withRetry(attempt, FAST), ConnectError);
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("attempt 4");
    expect(attempt.calls).toBe(4);
  });

  test("retries: 0 means one attempt only", async () => {
    const attempt = failing(Code.Unavailable);
    expect((await rejectionOf(withRetry(attempt, { retries: 0, baseDelayMs: 1 }), ConnectError)).code).toBe(
      Code.Unavailable,
    );
    expect(attempt.calls).toBe(1);
  });

  test.each(
    [Code.NotFound, Code.Internal, Code.InvalidArgument, Code.Unauthenticated, Code.Canceled].map(
      (c) => [Code[c], c] as const,
    ),
  )("%s is not retried", async (_, code) => {
    const attempt = failing(code);
    const err = await rejectionOf(withRetry(attempt, FAST), ConnectError);
    expect(err.code).toBe(code);
    expect(attempt.calls).toBe(1);
  });

  test("a plain Error (Unknown) is not retried and is thrown as it is", async () => {
    const boom = new Error("bug");
    let calls = 0;
    const err = await rejectionOf(
      withRetry(async () => {
        calls++;
        throw boom;
      }, FAST),
    );
    expect(err).toBe(boom);
    expect(calls).toBe(1);
  });

  test("retryOn replaces the default codes", async () => {
    const attempt = failing(Code.Internal, Code.Internal);
    expect(await withRetry(attempt, { ...FAST, retryOn: [Code.Internal] })).toBe("ok");
    const busy = failing(Code.Unavailable);
    expect(
      (await rejectionOf(withRetry(busy, { ...FAST, retryOn: [Code.Internal] }), ConnectError)).code,
    ).toBe(Code.Unavailable);
    expect(busy.calls).toBe(1);
  });

  test("aborting during the backoff rejects with Canceled and makes no further attempt", async () => {
    const attempt = failing(Code.Unavailable);
    const caller = new AbortController();
    const running = withRetry(attempt, { retries: 3, baseDelayMs: 60_000 }, caller.signal);
    await until(() => attempt.calls === 1);
    await Bun.sleep(0); // one macrotask turn: the failed attempt has been handled, the backoff runs
    caller.abort();
    const err = await rejectionOf(running, ConnectError);
    expect(err.code).toBe(Code.Canceled);
    expect(attempt.calls).toBe(1);
  });

  test("an abort reason that is a ConnectError is what the caller gets", async () => {
    const attempt = failing(Code.Unavailable);
    const caller = new AbortController();
    const running = withRetry(attempt, { retries: 3, baseDelayMs: 60_000 }, caller.signal);
    await until(() => attempt.calls === 1);
    await Bun.sleep(0);
    const reason = new ConnectError("deadline", Code.DeadlineExceeded);
    caller.abort(reason);
    await expect(running).rejects.toBe(reason);
  });

  test("a signal already aborted when an attempt fails: the attempt's error, no backoff", async () => {
    const caller = new AbortController();
    let calls = 0;
    const running = withRetry(
      async () => {
        calls++;
        caller.abort();
        throw new ConnectError("busy", Code.ResourceExhausted);
      },
      { retries: 3, baseDelayMs: 60_000 },
      caller.signal,
    );
    expect((await rejectionOf(running, ConnectError)).code).toBe(Code.ResourceExhausted);
    expect(calls).toBe(1);
  });
});

describe("abortableSleep", () => {
  test("resolves after the pause", async () => {
    await abortableSleep(1, new AbortController().signal);
    await abortableSleep(1);
  });

  test("an abort during the pause rejects with the signal's reason", async () => {
    const caller = new AbortController();
    const sleeping = abortableSleep(60_000, caller.signal);
    const reason = new Error("caller left");
    caller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });

  // abortableSleep must also honour a signal that is already aborted (it is exported: callers
  // other than withRetry do not check first).
  test("an already aborted signal rejects at once", async () => {
    const caller = new AbortController();
    caller.abort();
    let state = "pending";
    abortableSleep(5_000, caller.signal).then(
      () => {
        state = "resolved";
      },
      () => {
        state = "rejected";
      },
    );
    for (let i = 0; i < 20 && state === "pending"; i++) await Bun.sleep(0);
    expect(state).toBe("rejected");
  });
});

describe("retryInterceptor", () => {
  /** A products service failing with the given codes in turn, then answering; counts calls. */
  function flakyProducts(...codes: Code[]) {
    const server = { calls: 0 };
    const transport = (retries: number, baseDelayMs = 1) =>
      createRouterTransport(
        ({ service }) =>
          service(ProductService, {
            async getProduct(req) {
              server.calls++;
              const code = codes[server.calls - 1];
              if (code !== undefined) throw new ConnectError(`call ${server.calls}`, code);
              return { product: { sku: req.sku, name: "p", price: 1 } };
            },
          }),
        { transport: { interceptors: [retryInterceptor({ retries, baseDelayMs })] } },
      );
    return {
      server,
      client: (retries = 3, baseDelayMs = 1) => createClient(ProductService, transport(retries, baseDelayMs)),
    };
  }

  test("retries ResourceExhausted / Unavailable until the call succeeds", async () => {
    const f = flakyProducts(Code.ResourceExhausted, Code.Unavailable);
    const res = await f.client().getProduct({ sku: 5n });
    expect(res.product?.sku).toBe(5n);
    expect(f.server.calls).toBe(3);
  });

  test("gives up after N retries with the server's code", async () => {
    const f = flakyProducts(Code.Unavailable, Code.Unavailable, Code.Unavailable);
    const err = await rejectionOf(f.client(2).getProduct({ sku: 5n }), ConnectError);
    expect(err.code).toBe(Code.Unavailable);
    expect(f.server.calls).toBe(3);
  });

  test("does not retry other codes", async () => {
    const f = flakyProducts(Code.NotFound);
    expect((await rejectionOf(f.client().getProduct({ sku: 5n }), ConnectError)).code).toBe(Code.NotFound);
    expect(f.server.calls).toBe(1);
  });

  test("the caller aborting during the backoff rejects with Canceled and stops retrying", async () => {
    const f = flakyProducts(Code.Unavailable);
    const caller = new AbortController();
    const call = f.client(3, 60_000).getProduct({ sku: 5n }, { signal: caller.signal });
    await until(() => f.server.calls === 1);
    // A few event-loop turns for the in-memory transport to hand the failure back: the backoff runs.
    for (let i = 0; i < 10; i++) await Bun.sleep(0);
    caller.abort();
    expect((await rejectionOf(call, ConnectError)).code).toBe(Code.Canceled);
    expect(f.server.calls).toBe(1);
  });
});
