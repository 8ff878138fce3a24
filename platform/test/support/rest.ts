import { createClient, type Transport } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { Elysia, t } from "elysia";
import { parseInt64 } from "../../src/http/params.ts";
import { requestInfoOf } from "../../src/request-info.ts";

/**
 * A REST surface as a service would write one: no error handler of its own (the platform's
 * gateway-style one answers), calls the Connect handlers through the in-process transport.
 */
export function testRest(local: Transport) {
  const products = createClient(ProductService, local);
  return new Elysia({ name: "test-rest" })
    .get(
      "/product/:sku",
      async ({ params, request }) => {
        const sku = parseInt64(params.sku, "sku");
        const res = await products.getProduct({ sku }, { signal: request.signal });
        return { sku: Number(res.product?.sku ?? 0), name: res.product?.name ?? "" };
      },
      { params: t.Object({ sku: t.String() }) },
    )
    .get("/whoami", ({ request }) => {
      const info = requestInfoOf(request);
      return { id: info?.id ?? null, client: info?.clientAddress ?? null };
    })
    .get("/boom", (): string => {
      throw new Error("secret");
    })
    .post("/echo", ({ body }) => body, { body: t.Object({ sku: t.Number(), note: t.Optional(t.String()) }) });
}
