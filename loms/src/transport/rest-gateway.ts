import type { Transport } from "@connectrpc/connect";
import { grpcGateway } from "@route256/platform/http/gateway";
import { OrderService } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService } from "@route256/proto/loms/v1/stock_pb.ts";

const { orderCreate, orderInfo, orderPay, orderCancel } = OrderService.method;
const { stocksInfo } = StockService.method;

/**
 * The course's grpc-gateway routes, unchanged, so its HTTP clients work as they are. The reads are
 * served in both forms seed 001 uses: the id in the path and in the query string.
 */
export function lomsGateway(local: Transport) {
  return grpcGateway("loms-gateway", local, [
    { http: "POST", path: "/order/create", rpc: orderCreate, summary: "Create an order" },
    { http: "GET", path: "/order/info", rpc: orderInfo, summary: "An order with its items" },
    { http: "GET", path: "/order/info/{order_id}", rpc: orderInfo, summary: "An order with its items" },
    { http: "POST", path: "/order/pay", rpc: orderPay, summary: "Pay an order" },
    { http: "POST", path: "/order/cancel", rpc: orderCancel, summary: "Cancel an order" },
    { http: "GET", path: "/stock/info", rpc: stocksInfo, summary: "Units available for sale" },
    { http: "GET", path: "/stock/info/{sku}", rpc: stocksInfo, summary: "Units available for sale" },
  ]);
}
