import { Code } from "@connectrpc/connect";
import type { AnyElysia } from "elysia";
import type { RestFailure } from "../http/rest-errors.ts";
import type { HttpLimits } from "../limits.ts";
import { attachRequestInfo, type RequestInfo } from "../request-info.ts";
import { inHttpSpan } from "../tracing/http.ts";
import { BodyRefused, declaredTooLarge, readBody, tooLarge } from "./body.ts";

export type RestError = (failure: RestFailure) => { status: number; body: unknown };
export type RestHandler = (request: Request, info: RequestInfo) => Promise<Response>;

/**
 * Serves what is not an RPC (REST, docs, health, metrics) with the Elysia app, on either HTTP
 * version. A body is read whole before the app sees it — within the body limit and the request
 * timeout, so a slow or huge body costs a connection nothing more than its limits — and every
 * request runs inside its HTTP span.
 */
export function restHandler(app: AnyElysia, limits: HttpLimits, restError: RestError): RestHandler {
  return async (request, info) => {
    let ready = request;
    if (request.body) {
      try {
        if (declaredTooLarge(request.headers, limits)) throw tooLarge(limits.maxBodyBytes);
        const body = await readBody(request.body, limits);
        ready = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: body as BodyInit,
          signal: request.signal,
        });
      } catch (err) {
        if (!(err instanceof BodyRefused)) throw err;
        const code = err.status === 413 ? Code.ResourceExhausted : Code.DeadlineExceeded;
        const answer = restError({ status: err.status, code, message: err.message });
        return Response.json(answer.body, { status: answer.status, headers: { connection: "close" } });
      }
    }
    attachRequestInfo(ready, info);
    return inHttpSpan(ready, info, () => app.handle(ready));
  };
}

/** The methods some route of `app` accepts at `path`: what a 405 lists in `Allow`. */
export function allowedMethods(app: AnyElysia, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method !== "ALL" && routePattern(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

const patterns = new Map<string, RegExp>();

/** Elysia's route syntax (`/user/:user_id`, `/docs/*`) as a regular expression over a path. */
function routePattern(route: string): RegExp {
  let pattern = patterns.get(route);
  if (!pattern) {
    const source = route
      .split("/")
      .map((part) =>
        part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    pattern = new RegExp(`^${source}$`);
    patterns.set(route, pattern);
  }
  return pattern;
}
