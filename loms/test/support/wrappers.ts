import type { OrderRepository, StockRepository } from "../../src/service/ports.ts";

type Calls<T> = { [K in keyof T]: number };

/**
 * An OrderRepository that counts calls and lets a test replace any method (the replacement can call
 * `inner` itself). Everything else goes to `inner`.
 */
export class SpyOrderRepository implements OrderRepository {
  readonly calls: Calls<OrderRepository> = {
    newId: 0,
    create: 0,
    existing: 0,
    get: 0,
    changeStatus: 0,
    claimStale: 0,
    markVerified: 0,
    unverify: 0,
    paymentApplied: 0,
  };

  constructor(
    readonly inner: OrderRepository,
    private readonly hooks: Partial<OrderRepository> = {},
  ) {}

  newId(...args: Parameters<OrderRepository["newId"]>) {
    this.calls.newId++;
    return this.hooks.newId ? this.hooks.newId(...args) : this.inner.newId(...args);
  }

  existing(...args: Parameters<OrderRepository["existing"]>) {
    this.calls.existing++;
    return this.hooks.existing ? this.hooks.existing(...args) : this.inner.existing(...args);
  }

  create(...args: Parameters<OrderRepository["create"]>) {
    this.calls.create++;
    return this.hooks.create ? this.hooks.create(...args) : this.inner.create(...args);
  }

  get(...args: Parameters<OrderRepository["get"]>) {
    this.calls.get++;
    return this.hooks.get ? this.hooks.get(...args) : this.inner.get(...args);
  }

  changeStatus(...args: Parameters<OrderRepository["changeStatus"]>) {
    this.calls.changeStatus++;
    return this.hooks.changeStatus ? this.hooks.changeStatus(...args) : this.inner.changeStatus(...args);
  }

  claimStale(...args: Parameters<OrderRepository["claimStale"]>) {
    this.calls.claimStale++;
    return this.hooks.claimStale ? this.hooks.claimStale(...args) : this.inner.claimStale(...args);
  }

  markVerified(...args: Parameters<OrderRepository["markVerified"]>) {
    this.calls.markVerified++;
    return this.hooks.markVerified ? this.hooks.markVerified(...args) : this.inner.markVerified(...args);
  }

  unverify(...args: Parameters<OrderRepository["unverify"]>) {
    this.calls.unverify++;
    return this.hooks.unverify ? this.hooks.unverify(...args) : this.inner.unverify(...args);
  }

  paymentApplied(...args: Parameters<OrderRepository["paymentApplied"]>) {
    this.calls.paymentApplied++;
    return this.hooks.paymentApplied
      ? this.hooks.paymentApplied(...args)
      : this.inner.paymentApplied(...args);
  }
}

/** The StockRepository counterpart of SpyOrderRepository. */
export class SpyStockRepository implements StockRepository {
  readonly calls: Calls<StockRepository> = {
    available: 0,
    reserve: 0,
    sell: 0,
    release: 0,
    reservationOf: 0,
    abandon: 0,
    claimUnseen: 0,
    markOrdersSeen: 0,
  };

  constructor(
    readonly inner: StockRepository,
    private readonly hooks: Partial<StockRepository> = {},
  ) {}

  claimUnseen(...args: Parameters<StockRepository["claimUnseen"]>) {
    this.calls.claimUnseen++;
    return this.hooks.claimUnseen ? this.hooks.claimUnseen(...args) : this.inner.claimUnseen(...args);
  }

  markOrdersSeen(...args: Parameters<StockRepository["markOrdersSeen"]>) {
    this.calls.markOrdersSeen++;
    return this.hooks.markOrdersSeen
      ? this.hooks.markOrdersSeen(...args)
      : this.inner.markOrdersSeen(...args);
  }

  available(...args: Parameters<StockRepository["available"]>) {
    this.calls.available++;
    return this.hooks.available ? this.hooks.available(...args) : this.inner.available(...args);
  }

  reserve(...args: Parameters<StockRepository["reserve"]>) {
    this.calls.reserve++;
    return this.hooks.reserve ? this.hooks.reserve(...args) : this.inner.reserve(...args);
  }

  sell(...args: Parameters<StockRepository["sell"]>) {
    this.calls.sell++;
    return this.hooks.sell ? this.hooks.sell(...args) : this.inner.sell(...args);
  }

  release(...args: Parameters<StockRepository["release"]>) {
    this.calls.release++;
    return this.hooks.release ? this.hooks.release(...args) : this.inner.release(...args);
  }

  reservationOf(...args: Parameters<StockRepository["reservationOf"]>) {
    this.calls.reservationOf++;
    return this.hooks.reservationOf ? this.hooks.reservationOf(...args) : this.inner.reservationOf(...args);
  }

  abandon(...args: Parameters<StockRepository["abandon"]>) {
    this.calls.abandon++;
    return this.hooks.abandon ? this.hooks.abandon(...args) : this.inner.abandon(...args);
  }
}

/**
 * Wraps every async method of a repository so it yields a random number (0..maxYields) of times to
 * the microtask queue before and after the real call. Each real call stays atomic; what changes is
 * how concurrent use cases interleave between calls, driven by a seeded PRNG so a run replays.
 */
export function withJitter<T extends object>(inner: T, random: () => number, maxYields = 4): T {
  const yields = async () => {
    const n = Math.floor(random() * (maxYields + 1));
    for (let i = 0; i < n; i++) await Promise.resolve();
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await yields();
        const result = await value.apply(target, args);
        await yields();
        return result;
      };
    },
  });
}

/**
 * Calls `check` after every call of every method of `inner` resolves (and before the result goes
 * back to the caller): a way to assert that an invariant holds at every step of concurrent work.
 */
export function checkedAfterEachCall<T extends object>(inner: T, check: (method: string) => void): T {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        check(String(prop));
        return result;
      };
    },
  });
}
