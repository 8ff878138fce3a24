import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { addItem } from "../service/add-item.ts";
import { checkout } from "../service/checkout.ts";
import { clearCart } from "../service/clear-cart.ts";
import { deleteItem } from "../service/delete-item.ts";
import { listCart } from "../service/list-cart.ts";
import type { CallContext, CartDeps } from "../service/ports.ts";

/** The incoming request's cancellation and products token, handed down to every outgoing call. */
function callContext(ctx: HandlerContext): CallContext {
  return { signal: ctx.signal, token: ctx.requestHeader.get("x-api-key") ?? undefined };
}

/** cart.v1.CartService: request → use case → response. */
export function cartRoutes(deps: CartDeps) {
  return (router: ConnectRouter) =>
    router.service(CartService, {
      addItem: async (req, ctx) => {
        await addItem(deps, callContext(ctx), req.userId, req.sku, req.count);
        return {};
      },
      deleteItem: async (req) => {
        await deleteItem(deps, req.userId, req.sku);
        return {};
      },
      clearCart: async (req) => {
        await clearCart(deps, req.userId);
        return {};
      },
      listCart: async (req, ctx) => {
        const view = await listCart(deps, callContext(ctx), req.userId);
        return { items: [...view.items], totalPrice: view.totalPrice };
      },
      checkout: async (req, ctx) => ({ orderId: await checkout(deps, callContext(ctx), req.userId) }),
    });
}
