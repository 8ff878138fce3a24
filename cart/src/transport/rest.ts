import { Code, createClient, type Transport } from "@connectrpc/connect";
import {
  DomainError,
  forwardedCallOptions,
  jsonWithBigints,
  parseInt64,
  type RestFailure,
} from "@route256/platform";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { Elysia, t } from "elysia";

/**
 * The course's cart REST contract: statuses as SPEC.md lists them (412 for unknown products, short
 * stock and rejected checkouts), plain JSON numbers, errors as {"message": "..."}.
 */
export function cartRestError(failure: RestFailure) {
  const status = failure.code === Code.FailedPrecondition ? 412 : failure.status;
  return { status, body: { message: failure.message } };
}

const UINT32_MAX = 4294967295;

/** {"count": n} with n a whole JSON number; the contract's rules (n > 0) are protovalidate's. */
function countOf(body: unknown): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === "string" ? body : "");
  } catch {
    throw new DomainError("invalid_argument", "invalid body: not JSON");
  }
  const count = (parsed as { count?: unknown } | null)?.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > UINT32_MAX) {
    throw new DomainError(
      "invalid_argument",
      `invalid count: must be a whole number, got ${JSON.stringify(count)}`,
    );
  }
  return count;
}

// OpenAPI responses of the routes: Swagger UI shows a live result only where responses are documented.
const messageBody = { type: "object", properties: { message: { type: "string" } } } as const;
const errorResponses = {
  "400": {
    description: "Invalid user, sku or count",
    content: { "application/json": { schema: messageBody } },
  },
  "503": {
    description: "A service cart depends on failed",
    content: { "application/json": { schema: messageBody } },
  },
} as const;
const listItem = {
  type: "object",
  properties: {
    sku: { type: "integer" },
    name: { type: "string" },
    count: { type: "integer" },
    price: { type: "integer" },
  },
} as const;
const responses = {
  added: {
    "200": { description: "Added", content: { "application/json": { schema: { type: "object" } } } },
    "412": {
      description: "Unknown product, or more than LOMS has in stock",
      content: { "application/json": { schema: messageBody } },
    },
    ...errorResponses,
  },
  deleted: { "204": { description: "Done (also when there was nothing to delete)" }, ...errorResponses },
  listed: {
    "200": {
      description: "The cart",
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { items: { type: "array", items: listItem }, total_price: { type: "integer" } },
          },
        },
      },
    },
    "404": { description: "The cart is empty", content: { "application/json": { schema: messageBody } } },
    ...errorResponses,
  },
  checkedOut: {
    "200": {
      description: "The order created in LOMS; the cart is cleared",
      content: {
        "application/json": { schema: { type: "object", properties: { order_id: { type: "integer" } } } },
      },
    },
    "404": { description: "The cart is empty", content: { "application/json": { schema: messageBody } } },
    "412": {
      description: "LOMS could not reserve the stock; the cart is kept",
      content: { "application/json": { schema: messageBody } },
    },
    ...errorResponses,
  },
} as const;

const userParam = t.String({ description: "User id (int64)", examples: ["1"] });
const skuParam = t.String({ description: "Product sku (int64)", examples: ["1076963"] });
const tags = ["REST (course contract)"];

/** REST routes over the same Connect handlers, called in process. */
export function cartRest(local: Transport) {
  const cart = createClient(CartService, local);
  return new Elysia({ name: "cart-rest" })
    .post(
      "/user/:user_id/cart/:sku_id",
      async ({ params, body, request }) => {
        const userId = parseInt64(params.user_id, "user_id");
        const sku = parseInt64(params.sku_id, "sku_id");
        await cart.addItem({ userId, sku, count: countOf(body) }, forwardedCallOptions(request));
        return {};
      },
      {
        parse: "text",
        params: t.Object({ user_id: userParam, sku_id: skuParam }),
        detail: {
          tags,
          summary: "Add units of a product to a cart",
          responses: responses.added,
          requestBody: {
            content: {
              "application/json": {
                schema: { type: "object", properties: { count: { type: "integer", minimum: 1 } } },
                example: { count: 1 },
              },
            },
          },
        },
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
        detail: { tags, summary: "Remove a product from a cart", responses: responses.deleted },
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
        detail: { tags, summary: "Empty a cart", responses: responses.deleted },
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
        detail: {
          tags,
          summary: "A cart with names, prices and total (404 when empty)",
          responses: responses.listed,
        },
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
        detail: {
          tags,
          summary: "Order the cart from LOMS; the cart is cleared on success",
          responses: responses.checkedOut,
        },
      },
    );
}
