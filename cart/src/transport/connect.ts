import type { ConnectRouter } from "@connectrpc/connect";
import { CartService } from "@route256/proto/cart/v1/cart_pb.ts";
import { addItem } from "../service/add-item.ts";
import { checkout } from "../service/checkout.ts";
import { clearCart } from "../service/clear-cart.ts";
import { deleteItem } from "../service/delete-item.ts";
import { listCart } from "../service/list-cart.ts";
import type { CartDeps } from "../service/ports.ts";

/** cart.v1.CartService: request → use case → response. */
export function cartRoutes(deps: CartDeps) {
  return (router: ConnectRouter) =>
    router.service(CartService, {
      addItem: async (req, ctx) => {
        await addItem(deps, ctx.signal, req.userId, req.sku, req.count);
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
        const view = await listCart(deps, ctx.signal, req.userId);
        return { items: [...view.items], totalPrice: view.totalPrice };
      },
      checkout: async (req, ctx) => ({ orderId: await checkout(deps, ctx.signal, req.userId) }),
    });
}
