import { Code, createClient, type Transport } from "@connectrpc/connect";
import { forwardedCallOptions } from "@route256/platform/http/forward";
import { jsonWithBigints, strictJsonObject } from "@route256/platform/http/json";
import { parseInt64, singleValuedQuery } from "@route256/platform/http/params";
import type { RestFailure } from "@route256/platform/http/rest-errors";
import { protoIntegerField, rawJsonBody } from "@route256/platform/http/rest-schema";
import { AddItemRequestSchema, CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { protoDocs } from "@route256/proto/docs.ts";
import { Elysia, t } from "elysia";

/**
 * The course's cart REST contract: statuses as SPEC.md lists them (412 for unknown products, short
 * stock and rejected checkouts), plain JSON numbers, errors as {"message": "..."}.
 */
export function cartRestError(failure: RestFailure) {
  const status = failure.code === Code.FailedPrecondition ? 412 : failure.status;
  return { status, body: { message: failure.message } };
}

// Request and response schemas: Elysia validates requests with them and @elysiajs/openapi documents
// both. The count's type and bounds come from the .proto (cart.v1.AddItemRequest.count).
const addBody = t.Object({ count: protoIntegerField(AddItemRequestSchema.field.count, protoDocs) });
const ADD_BODY_KEYS = Object.keys(addBody.properties);
const whole = () => t.Number({ multipleOf: 1 }); // JSON numbers; int64 ids exactly (jsonWithBigints)
const message = (description: string) => t.Object({ message: t.String() }, { description });
const failures = {
  400: message("Invalid user, sku or count"),
  503: message("A service cart depends on failed"),
};
const emptyCart = message("The cart is empty");
const cartView = t.Object(
  {
    items: t.Array(t.Object({ sku: whole(), name: t.String(), count: whole(), price: whole() }), {
      description: "Sorted by sku",
    }),
    total_price: whole(),
  },
  { description: "The cart" },
);
const done = t.Void({ description: "Done (also when there was nothing to delete)" });

const userParam = t.String({ description: "User id (int64)", examples: ["1"] });
const skuParam = t.String({ description: "Product sku (int64)", examples: ["1076963"] });
const tags = ["REST (course contract)"];

/**
 * REST routes over the same Connect handlers, called in process. Input is read strictly, as on every
 * REST surface (README, "Errors and validation"): unknown or repeated body keys and query parameters
 * (these routes take none) are 400 naming them.
 */
export function cartRest(local: Transport) {
  const cart = createClient(CartService, local);
  return new Elysia({ name: "cart-rest" })
    .onBeforeHandle(({ request }) => {
      singleValuedQuery(request, []);
    })
    .post(
      "/user/:user_id/cart/:sku_id",
      async ({ params, body, request }) => {
        const userId = parseInt64(params.user_id, "user_id");
        const sku = parseInt64(params.sku_id, "sku_id");
        await cart.addItem({ userId, sku, count: body.count }, forwardedCallOptions(request));
        return {};
      },
      {
        // Read as strict JSON before the schema checks it (a transform hook: what a parser throws
        // reaches onError only as "Bad Request").
        parse: [...rawJsonBody],
        transform: (ctx) => {
          const text = typeof ctx.body === "string" ? ctx.body : "";
          ctx.body = strictJsonObject(text, ADD_BODY_KEYS) as typeof ctx.body; // the schema checks it next
        },
        params: t.Object({ user_id: userParam, sku_id: skuParam }),
        body: addBody,
        response: {
          200: t.Object({}, { description: "Added" }),
          412: message("Unknown product, or more than LOMS has in stock"),
          ...failures,
        },
        detail: { tags, summary: "Add units of a product to a cart" },
      },
    )
    .delete(
      "/user/:user_id/cart/:sku_id",
      async ({ params, request, set }) => {
        const userId = parseInt64(params.user_id, "user_id");
        const sku = parseInt64(params.sku_id, "sku_id");
        await cart.deleteItem({ userId, sku }, forwardedCallOptions(request));
        set.status = 204;
      },
      {
        params: t.Object({ user_id: userParam, sku_id: skuParam }),
        response: { 204: done, ...failures },
        detail: { tags, summary: "Remove a product from a cart" },
      },
    )
    .delete(
      "/user/:user_id/cart",
      async ({ params, request, set }) => {
        await cart.clearCart(
          { userId: parseInt64(params.user_id, "user_id") },
          forwardedCallOptions(request),
        );
        set.status = 204;
      },
      {
        params: t.Object({ user_id: userParam }),
        response: { 204: done, ...failures },
        detail: { tags, summary: "Empty a cart" },
      },
    )
    .get(
      "/user/:user_id/cart",
      async ({ params, request }) => {
        const res = await cart.listCart(
          { userId: parseInt64(params.user_id, "user_id") },
          forwardedCallOptions(request),
        );
        return jsonWithBigints({
          items: res.items.map((i) => ({ sku: i.sku, name: i.name, count: i.count, price: i.price })),
          total_price: res.totalPrice,
        });
      },
      {
        params: t.Object({ user_id: userParam }),
        response: { 200: cartView, 404: emptyCart, ...failures },
        detail: { tags, summary: "A cart with names, prices and total (404 when empty)" },
      },
    )
    .post(
      "/checkout/:user_id",
      async ({ params, request }) => {
        const res = await cart.checkout(
          { userId: parseInt64(params.user_id, "user_id") },
          forwardedCallOptions(request),
        );
        return jsonWithBigints({ order_id: res.orderId });
      },
      {
        params: t.Object({ user_id: userParam }),
        response: {
          200: t.Object(
            { order_id: whole() },
            { description: "The order created in LOMS; the cart is cleared" },
          ),
          404: emptyCart,
          412: message("LOMS could not reserve the stock; the cart is kept"),
          ...failures,
        },
        detail: { tags, summary: "Order the cart from LOMS; the cart is cleared on success" },
      },
    );
}
