import type { ConnectRouter } from "@connectrpc/connect";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { getProduct } from "../service/get-product.ts";
import { listProducts } from "../service/list-products.ts";

/** products.v1.ProductService: request → use case → response, nothing else. */
export function productRoutes(catalog: Catalog) {
  return (router: ConnectRouter) =>
    router.service(ProductService, {
      getProduct: (req) => ({ product: getProduct(catalog, req.sku) }),
      listSkus: (req) => ({ products: listProducts(catalog, req.startAfterSku, req.count) }),
    });
}
