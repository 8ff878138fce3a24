import { AsyncLocalStorage } from "node:async_hooks";
import type { Interceptor } from "@connectrpc/connect";

/**
 * The caller's products token (X-API-KEY) rides in the async context of the call being served, not
 * in any signature: read once at the edge (acceptProductsToken) and sent by the products client
 * (tokenInterceptor, RestProductCatalog). Use cases never see it; every call they make to products
 * while serving a request — concurrent lookups and retries included — carries it.
 */
const callerToken = new AsyncLocalStorage<string | undefined>();

/** The token of the call being served; undefined outside one, or when the caller sent none. */
export function productsToken(): string | undefined {
  return callerToken.getStore();
}

/** Runs `fn` as a call whose caller sent `token` (the edge, and tests of what rides inside). */
export function withProductsToken<T>(token: string | undefined, fn: () => T): T {
  return callerToken.run(token, fn);
}

/**
 * The edge, as a server interceptor: the incoming X-API-KEY (sent by a Connect client, or forwarded
 * by a REST route into its in-process RPC) becomes the token of everything the handler does.
 */
export function acceptProductsToken(): Interceptor {
  return (next) => (req) => withProductsToken(req.header.get("x-api-key") ?? undefined, () => next(req));
}

/** The X-API-KEY a call to products sends: the caller's token, or else the configured one. */
export function outgoingProductsToken(fallback: string): string {
  return productsToken() || fallback;
}

/** Sets X-API-KEY on a Connect call to products (outgoingProductsToken). */
export function tokenInterceptor(fallback: string): Interceptor {
  return (next) => (req) => {
    req.header.set("x-api-key", outgoingProductsToken(fallback));
    return next(req);
  };
}
