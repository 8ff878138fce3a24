import { Code, createClient, type Transport } from "@connectrpc/connect";
import { forwardedCallOptions } from "@route256/platform/http/forward";
import { parseInt64, parseUint32, singleValuedQuery } from "@route256/platform/http/params";
import type { RestFailure } from "@route256/platform/http/rest-errors";
import { type Product, ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { Elysia, t } from "elysia";

/**
 * The course product-service's error body, which its clients parse: {"code": N, "message": "..."}.
 * That service answers "nothing found" with code 1; other failures carry the gRPC code.
 */
export function courseErrorBody(failure: RestFailure) {
  return { code: failure.code === Code.NotFound ? 1 : failure.code, message: failure.message };
}

/** REST bodies use plain JSON numbers, as the course's clients expect (catalog skus fit a double). */
const toJson = (p: Product | undefined) => ({
  sku: Number(p?.sku ?? 0),
  name: p?.name ?? "",
  price: p?.price ?? 0,
});

const productSchema = t.Object({ sku: t.Number(), name: t.String(), price: t.Number() });
const errorSchema = t.Object({ code: t.Number(), message: t.String() });
const apiKey = t.Object({ "x-api-key": t.Optional(t.String()) });

const LIST_PARAMS = ["count", "start_after_sku"];

/**
 * The course's REST contract, served by calling the Connect handlers in process. Query parameters
 * are read strictly, as on every REST surface (README, "Errors and validation"): one a route does
 * not take, or one given twice, is 400 naming it.
 */
export function productsRest(local: Transport) {
  const products = createClient(ProductService, local);
  return new Elysia({ name: "products-rest" })
    .get(
      "/product/:sku",
      async ({ params, request }) => {
        singleValuedQuery(request, []);
        const sku = parseInt64(params.sku, "sku");
        const res = await products.getProduct({ sku }, forwardedCallOptions(request));
        return toJson(res.product);
      },
      {
        params: t.Object({
          sku: t.String({ description: "Product stock keeping unit", examples: ["1076963"] }),
        }),
        headers: apiKey,
        response: {
          200: productSchema,
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          429: errorSchema,
        },
        detail: { tags: ["REST"], summary: "One product by sku (course product-service contract)" },
      },
    )
    .get(
      "/product",
      async ({ request }) => {
        const query = singleValuedQuery(request, LIST_PARAMS);
        const count = parseUint32(query.count, "count");
        const startAfterSku =
          query.start_after_sku === undefined ? 0n : parseInt64(query.start_after_sku, "start_after_sku");
        const res = await products.listSkus({ count, startAfterSku }, forwardedCallOptions(request));
        return { products: res.products.map(toJson) };
      },
      {
        query: t.Object({
          count: t.String({ description: "Products to return, 1..1000", examples: ["10"] }),
          start_after_sku: t.Optional(
            t.String({ description: "Return skus greater than this", examples: ["0"] }),
          ),
        }),
        headers: apiKey,
        response: { 200: t.Object({ products: t.Array(productSchema) }), 400: errorSchema, 401: errorSchema },
        detail: { tags: ["REST"], summary: "Products in sku order, a page at a time" },
      },
    );
}
