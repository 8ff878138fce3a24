import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import type { Product } from "../../domain/cart.ts";
import type { ProductCatalog } from "../../service/ports.ts";
import { downstreamFailure } from "../downstream-error.ts";

/**
 * products.v1.ProductService through its generated client. The transport carries the interceptors
 * (retry → shared rate limiter → token; see app.ts); only not_found means "no such product".
 */
export class ConnectProductCatalog implements ProductCatalog {
  private readonly client;

  constructor(transport: Transport) {
    this.client = createClient(ProductService, transport);
  }

  async getProduct(sku: bigint, signal: AbortSignal): Promise<Product | undefined> {
    try {
      const res = await this.client.getProduct({ sku }, { signal });
      const p = res.product;
      return p && { sku: p.sku, name: p.name, price: p.price };
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) return undefined;
      throw downstreamFailure("products", err);
    }
  }
}
