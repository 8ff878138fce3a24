import { describe, expect, test } from "bun:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { retryInterceptor } from "@route256/platform/connect/retry-interceptor";
import { rateLimitInterceptor } from "@route256/platform/ratelimit/interceptor";
import { createLocalLimiter } from "@route256/platform/ratelimit/local-limiter";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { rejectionOf, until } from "@route256/testkit/helpers";
import { ConnectProductCatalog } from "../../src/adapters/products/connect-products.ts";
import {
  acceptProductsToken,
  productsToken,
  tokenInterceptor,
  withProductsToken,
} from "../../src/adapters/products/token.ts";
import type { Product } from "../../src/domain/cart.ts";
import { expectDownstreamFailure } from "../support/async.ts";
import { aSignal, BOOK } from "../support/builders.ts";

const FALLBACK = "testToken";

/** skus the fake products service fails with a given code */
const FAILING: Record<string, Code> = {
  "401": Code.Unauthenticated,
  "429": Code.ResourceExhausted,
  "500": Code.Internal,
  "503": Code.Unavailable,
};

/** A products.v1 service in memory that records the x-api-key of every call. */
function fakeProducts(products: Product[] = [BOOK]) {
  const keys: (string | null)[] = [];
  const catalog = new Map(products.map((p) => [p.sku, p]));
  let gate: Promise<void> | undefined;
  const transport = createRouterTransport(
    ({ service }) =>
      service(ProductService, {
        async getProduct(req, ctx) {
          keys.push(ctx.requestHeader.get("x-api-key"));
          if (gate) await gate;
          const code = FAILING[String(req.sku)];
          if (code !== undefined) throw new ConnectError(`failing with ${code}`, code);
          const product = catalog.get(req.sku);
          if (!product) throw new ConnectError("nothing found by the sku", Code.NotFound);
          return { product };
        },
      }),
    { transport: { interceptors: [tokenInterceptor(FALLBACK)] } },
  );
  return {
    keys,
    catalog: new ConnectProductCatalog(transport),
    transport,
    block() {
      const d = Promise.withResolvers<void>();
      gate = d.promise;
      return d;
    },
  };
}

describe("tokenInterceptor", () => {
  test("sets x-api-key from the call's token, else the fallback", async () => {
    const f = fakeProducts();
    const client = createClient(ProductService, f.transport);
    await withProductsToken("mine", () => client.getProduct({ sku: BOOK.sku }));
    await client.getProduct({ sku: BOOK.sku });
    await withProductsToken("", () => client.getProduct({ sku: BOOK.sku }));
    expect(f.keys).toEqual(["mine", FALLBACK, FALLBACK]);
  });

  test("the context token replaces an x-api-key header the caller set by hand", async () => {
    const f = fakeProducts();
    const client = createClient(ProductService, f.transport);
    await withProductsToken("mine", () =>
      client.getProduct({ sku: BOOK.sku }, { headers: { "x-api-key": "stale" } }),
    );
    expect(f.keys).toEqual(["mine"]);
  });
});

describe("the token through the products client's whole chain", () => {
  test("every attempt — after a retry's backoff and the limiter's wait — sends the caller's token", async () => {
    const keys: (string | null)[] = [];
    let attempts = 0;
    const transport = createRouterTransport(
      ({ service }) =>
        service(ProductService, {
          async getProduct(_req, ctx) {
            keys.push(ctx.requestHeader.get("x-api-key"));
            if (++attempts < 3) throw new ConnectError("busy", Code.Unavailable);
            return { product: BOOK };
          },
        }),
      {
        transport: {
          // As app.ts chains them: retry → limiter (each attempt waits for its own turn) → token.
          interceptors: [
            retryInterceptor({ retries: 3, baseDelayMs: 1 }),
            rateLimitInterceptor(createLocalLimiter({ rps: 200 })),
            tokenInterceptor(FALLBACK),
          ],
        },
      },
    );
    const catalog = new ConnectProductCatalog(transport);
    const product = await withProductsToken("mine", () => catalog.getProduct(BOOK.sku, aSignal()));
    expect(product).toEqual(BOOK);
    expect(keys).toEqual(["mine", "mine", "mine"]);
  });
});

describe("acceptProductsToken", () => {
  /** A cart-like service whose handler reports the token its context holds. */
  function edge() {
    return createClient(
      ProductService,
      createRouterTransport(
        ({ service }) =>
          service(ProductService, {
            getProduct: async () => ({ product: { sku: 1n, name: productsToken() ?? "(none)", price: 1 } }),
          }),
        { router: { interceptors: [acceptProductsToken()] } },
      ),
    );
  }

  test("the incoming x-api-key is the token of everything the handler does", async () => {
    const res = await edge().getProduct({ sku: 1n }, { headers: { "x-api-key": "user-token" } });
    expect(res.product?.name).toBe("user-token");
  });

  test("without the header the handler sees no token", async () => {
    expect((await edge().getProduct({ sku: 1n })).product?.name).toBe("(none)");
  });

  test("concurrent calls each keep their own token", async () => {
    const client = edge();
    const names = await Promise.all(
      ["a", "b", "c"].map(async (key) => {
        const res = await client.getProduct({ sku: 1n }, { headers: { "x-api-key": key } });
        return res.product?.name;
      }),
    );
    expect(names).toEqual(["a", "b", "c"]);
  });
});

describe("ConnectProductCatalog", () => {
  test("returns the product", async () => {
    const f = fakeProducts();
    expect(await f.catalog.getProduct(BOOK.sku, aSignal())).toEqual(BOOK);
  });

  test("the token from the call context wins; without one the fallback token is sent", async () => {
    const f = fakeProducts();
    await withProductsToken("user-token", () => f.catalog.getProduct(BOOK.sku, aSignal()));
    await f.catalog.getProduct(BOOK.sku, aSignal());
    expect(f.keys).toEqual(["user-token", FALLBACK]);
  });

  test("not_found means no such product: undefined", async () => {
    const f = fakeProducts();
    expect(await f.catalog.getProduct(999999n, aSignal())).toBeUndefined();
  });

  test.each([
    ["Unauthenticated", 401n, Code.Unauthenticated],
    ["ResourceExhausted", 429n, Code.ResourceExhausted],
    ["Internal", 500n, Code.Internal],
    ["Unavailable", 503n, Code.Unavailable],
  ] as const)("%s is a products failure naming its code, never a not-found", async (_, sku, code) => {
    const f = fakeProducts();
    expectDownstreamFailure(await rejectionOf(f.catalog.getProduct(sku, aSignal())), "products", code);
  });

  test("the caller's signal cancels the call (Canceled, not a false not-found)", async () => {
    const f = fakeProducts();
    const gate = f.block();
    const caller = new AbortController();
    const lookup = f.catalog.getProduct(BOOK.sku, caller.signal);
    await until(() => f.keys.length === 1);
    caller.abort();
    const err = await rejectionOf(lookup, ConnectError);
    expect(err.code).toBe(Code.Canceled);
    gate.resolve();
  });
});
