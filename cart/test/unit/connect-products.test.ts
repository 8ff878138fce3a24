import { describe, expect, test } from "bun:test";
import {
  Code,
  ConnectError,
  createClient,
  createContextValues,
  createRouterTransport,
} from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { ConnectProductCatalog } from "../../src/adapters/products/connect-products.ts";
import { productsTokenKey, tokenInterceptor } from "../../src/adapters/products/token.ts";
import type { Product } from "../../src/domain/cart.ts";
import {
  connectRejectionOf,
  deferred,
  expectDownstreamFailure,
  rejectionOf,
  until,
} from "../support/async.ts";
import { aCallContext, BOOK } from "../support/builders.ts";

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
      const d = deferred();
      gate = d.promise;
      return d;
    },
  };
}

describe("tokenInterceptor", () => {
  test("sets x-api-key from the call's context value, else the fallback", async () => {
    const f = fakeProducts();
    const client = createClient(ProductService, f.transport);
    await client.getProduct(
      { sku: BOOK.sku },
      { contextValues: createContextValues().set(productsTokenKey, "mine") },
    );
    await client.getProduct({ sku: BOOK.sku });
    await client.getProduct(
      { sku: BOOK.sku },
      { contextValues: createContextValues().set(productsTokenKey, "") },
    );
    expect(f.keys).toEqual(["mine", FALLBACK, FALLBACK]);
  });

  test("the context token replaces an x-api-key header the caller set by hand", async () => {
    const f = fakeProducts();
    const client = createClient(ProductService, f.transport);
    await client.getProduct(
      { sku: BOOK.sku },
      {
        headers: { "x-api-key": "stale" },
        contextValues: createContextValues().set(productsTokenKey, "mine"),
      },
    );
    expect(f.keys).toEqual(["mine"]);
  });
});

describe("ConnectProductCatalog", () => {
  test("returns the product", async () => {
    const f = fakeProducts();
    expect(await f.catalog.getProduct(BOOK.sku, aCallContext())).toEqual(BOOK);
  });

  test("the token from the call context wins; without one the fallback token is sent", async () => {
    const f = fakeProducts();
    await f.catalog.getProduct(BOOK.sku, aCallContext({ token: "user-token" }));
    await f.catalog.getProduct(BOOK.sku, aCallContext());
    expect(f.keys).toEqual(["user-token", FALLBACK]);
  });

  test("not_found means no such product: undefined", async () => {
    const f = fakeProducts();
    expect(await f.catalog.getProduct(999999n, aCallContext())).toBeUndefined();
  });

  test.each([
    ["Unauthenticated", 401n, Code.Unauthenticated],
    ["ResourceExhausted", 429n, Code.ResourceExhausted],
    ["Internal", 500n, Code.Internal],
    ["Unavailable", 503n, Code.Unavailable],
  ] as const)("%s is a products failure naming its code, never a not-found", async (_, sku, code) => {
    const f = fakeProducts();
    expectDownstreamFailure(await rejectionOf(f.catalog.getProduct(sku, aCallContext())), "products", code);
  });

  test("the caller's signal cancels the call (Canceled, not a false not-found)", async () => {
    const f = fakeProducts();
    const gate = f.block();
    const caller = new AbortController();
    const lookup = f.catalog.getProduct(BOOK.sku, aCallContext({ signal: caller.signal }));
    await until(() => f.keys.length === 1);
    caller.abort();
    const err = await connectRejectionOf(lookup);
    expect(err.code).toBe(Code.Canceled);
    gate.resolve();
  });
});
