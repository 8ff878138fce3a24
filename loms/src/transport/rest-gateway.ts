import type { Transport } from "@connectrpc/connect";
import { grpcGateway } from "@route256/platform";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";

/** The course's grpc-gateway routes, unchanged, so its HTTP clients work as they are. */
export function lomsGateway(local: Transport) {
  return grpcGateway("loms-gateway", local, [
    { http: "POST", path: "/order/create", rpc: OrderService.method.orderCreate, summary: "Create an order" },
    {
      http: "GET",
      path: "/order/info",
      rpc: OrderService.method.orderInfo,
      summary: "An order with its items",
    },
    { http: "POST", path: "/order/pay", rpc: OrderService.method.orderPay, summary: "Pay an order" },
    { http: "POST", path: "/order/cancel", rpc: OrderService.method.orderCancel, summary: "Cancel an order" },
    {
      http: "GET",
      path: "/stock/info",
      rpc: StockService.method.stocksInfo,
      summary: "Units available for sale",
    },
  ]);
}
