import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { OrderService as LomsOrders } from "@route256/proto/loms/v1/order_pb.ts";
import { StockService as LomsStocks } from "@route256/proto/loms/v1/stock_pb.ts";
import type { CartLine } from "../../domain/cart.ts";
import type { OrderOutcome, OrderService, StockService } from "../../service/ports.ts";
import { downstreamFailure } from "../downstream-error.ts";

/** LOMS through its generated Connect clients. The caller's signal cancels the call. */
export class LomsClient implements StockService, OrderService {
  private readonly stocks;
  private readonly orders;

  constructor(transport: Transport) {
    this.stocks = createClient(LomsStocks, transport);
    this.orders = createClient(LomsOrders, transport);
  }

  async available(sku: bigint, signal: AbortSignal): Promise<number> {
    try {
      return (await this.stocks.stocksInfo({ sku }, { signal })).count;
    } catch (err) {
      // An SKU LOMS does not stock has nothing to sell; anything else is a real failure.
      if (ConnectError.from(err).code === Code.NotFound) return 0;
      throw downstreamFailure("loms", err);
    }
  }

  async create(userId: bigint, lines: readonly CartLine[], signal: AbortSignal): Promise<OrderOutcome> {
    try {
      const res = await this.orders.orderCreate({ userId, items: [...lines] }, { signal });
      return { ok: true, orderId: res.orderId };
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.FailedPrecondition) return { ok: false, reason: e.rawMessage };
      throw downstreamFailure("loms", err);
    }
  }
}
