import { Code, ConnectError } from "@connectrpc/connect";
import { SpanKind } from "@opentelemetry/api";
import { type RetryOptions, withRetry } from "@route256/platform/concurrency/retry";
import { injectInto, inSpan } from "@route256/platform/tracing/context";
import type { Product } from "../../domain/cart.ts";
import type { ProductCatalog } from "../../service/ports.ts";
import { downstreamFailure } from "../downstream-error.ts";
import { outgoingProductsToken } from "./token.ts";

/**
 * The course's product-service REST contract: GET /product/{sku} with X-API-KEY. Selected by
 * CART_PRODUCTS_PROTOCOL=rest. Same policy as the Connect client: retries with backoff on 429 / 5xx
 * unavailability, and every attempt waits for `beforeCall` (the shared rate limiter). Failures
 * become ConnectErrors with the matching code, so callers treat both adapters alike.
 */
export class RestProductCatalog implements ProductCatalog {
  constructor(
    private readonly baseUrl: string,
    private readonly fallbackToken: string,
    private readonly retry: RetryOptions,
    private readonly beforeCall: (signal: AbortSignal) => Promise<void> = async () => {},
  ) {}

  async getProduct(sku: bigint, signal: AbortSignal): Promise<Product | undefined> {
    try {
      return await withRetry(() => this.attempt(sku, signal), this.retry, signal);
    } catch (err) {
      throw downstreamFailure("products", err);
    }
  }

  private async attempt(sku: bigint, signal: AbortSignal): Promise<Product | undefined> {
    await this.beforeCall(signal);
    const attrs = { "http.request.method": "GET", "url.template": "/product/{sku}" };
    return inSpan("GET /product/{sku}", { kind: SpanKind.CLIENT, attributes: attrs }, async (span) => {
      const headers: Record<string, string> = { "x-api-key": outgoingProductsToken(this.fallbackToken) };
      injectInto(headers); // traceparent: products continues this trace
      const res = await fetch(`${this.baseUrl}/product/${sku}`, { headers, signal });
      span.setAttribute("http.response.status_code", res.status);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new ConnectError(`products answered HTTP ${res.status}`, codeOfStatus(res.status));
      const body = (await res.json()) as { sku: number; name: string; price: number };
      return { sku, name: body.name, price: body.price };
    });
  }
}

function codeOfStatus(status: number): Code {
  if (status === 429) return Code.ResourceExhausted;
  if (status === 401) return Code.Unauthenticated;
  if (status === 503 || status === 502 || status === 504) return Code.Unavailable;
  return Code.Internal;
}
