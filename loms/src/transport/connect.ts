import type { ConnectRouter } from "@connectrpc/connect";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";
import { orderCancel } from "../service/order-cancel.ts";
import { orderCreate } from "../service/order-create.ts";
import { orderInfo } from "../service/order-info.ts";
import { orderPay } from "../service/order-pay.ts";
import type { LomsDeps } from "../service/ports.ts";
import { stocksInfo } from "../service/stocks-info.ts";

/** loms.v1.OrderService and loms.v1.StockService: request → use case → response. */
export function lomsRoutes(deps: LomsDeps) {
  return (router: ConnectRouter) => {
    router.service(OrderService, {
      orderCreate: async (req) => ({ orderId: await orderCreate(deps, req.userId, req.items) }),
      orderInfo: async (req) => {
        const order = await orderInfo(deps, req.orderId);
        return { status: order.status, userId: order.userId, items: [...order.items] };
      },
      orderPay: async (req) => {
        await orderPay(deps, req.orderId);
        return {};
      },
      orderCancel: async (req) => {
        await orderCancel(deps, req.orderId);
        return {};
      },
    });
    router.service(StockService, {
      stocksInfo: async (req) => ({ count: await stocksInfo(deps, req.sku) }),
    });
  };
}
