import { createContextKey, type Interceptor } from "@connectrpc/connect";

/** The caller's products token, carried from the incoming request to the outgoing call. */
export const productsTokenKey = createContextKey<string | undefined>(undefined, {
  description: "products X-API-KEY",
});

/** Sets X-API-KEY from the call's context, falling back to the configured token. */
export function tokenInterceptor(fallback: string): Interceptor {
  return (next) => (req) => {
    req.header.set("x-api-key", req.contextValues.get(productsTokenKey) || fallback);
    return next(req);
  };
}
