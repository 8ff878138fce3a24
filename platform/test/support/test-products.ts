import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { type Product, ProductSchema, ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { DomainError } from "../../src/errors/domain-error.ts";
import { requestInfoKey } from "../../src/request-info.ts";

/** Skus with a special behaviour in the test implementation of ProductService. */
export const SKU = {
  /** Throws DomainError("not_found", "x"). */
  missing: 404n,
  /** Throws a plain Error("secret"): a bug, whose message must not leak. */
  broken: 500n,
  /** Answers with the request id the handler sees in its context, as the product name. */
  whoAmI: 42n,
  /** Waits until the test releases `hold` before answering. */
  slow: 777n,
} as const;

export interface TestProducts {
  routes: (router: ConnectRouter) => void;
  /** Skus the handlers were called with, in order. */
  calls: bigint[];
  /** Resolved when a request for SKU.slow reaches its handler. */
  slowStarted: PromiseWithResolvers<void>;
  /** Resolve to let the SKU.slow request finish. */
  hold: PromiseWithResolvers<void>;
}

export function product(sku: bigint, name = `product ${sku}`): Product {
  return create(ProductSchema, { sku, name, price: Number(sku % 1000n) });
}

/** A tiny ProductService with knobs, to drive the platform code from the outside. */
export function testProducts(): TestProducts {
  const calls: bigint[] = [];
  const slowStarted = Promise.withResolvers<void>();
  const hold = Promise.withResolvers<void>();
  const routes = (router: ConnectRouter) =>
    router.service(ProductService, {
      async getProduct(req, ctx: HandlerContext) {
        calls.push(req.sku);
        switch (req.sku) {
          case SKU.missing:
            throw new DomainError("not_found", "x");
          case SKU.broken:
            throw new Error("secret");
          case SKU.whoAmI:
            return { product: product(req.sku, ctx.values.get(requestInfoKey)?.id ?? "no request info") };
          case SKU.slow:
            slowStarted.resolve();
            await hold.promise;
            return { product: product(req.sku) };
          default:
            return { product: product(req.sku) };
        }
      },
      listSkus(req) {
        const products: Product[] = [];
        for (let i = 1n; i <= BigInt(req.count); i++) products.push(product(req.startAfterSku + i));
        return { products };
      },
    });
  return { routes, calls, slowStarted, hold };
}
