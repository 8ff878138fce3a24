import { Readable } from "node:stream";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import type { Logger } from "../logger.ts";
import { attachRequestInfo, type RequestInfo } from "./request-info.ts";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
export type NodeRequest = Parameters<NodeHandler>[0];
export type NodeResponse = Parameters<NodeHandler>[1];
type FetchHandler = (request: Request) => Response | Promise<Response>;

// Connection-specific headers are forbidden in HTTP/2 responses (RFC 9113 §8.2.2).
const H2_FORBIDDEN = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Runs a fetch-style handler (Elysia's app.handle) for a node:http / node:http2 request: builds a
 * fetch Request with a streaming body and an AbortSignal that fires when the client goes away, and
 * writes the Response back, streaming.
 */
export function fetchBridge(handle: FetchHandler, logger: Logger) {
  return async (req: NodeRequest, res: NodeResponse, info: RequestInfo): Promise<void> => {
    const isH2 = req.httpVersionMajor === 2;
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    try {
      const host = (req.headers[":authority"] as string | undefined) ?? req.headers.host ?? "localhost";
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (name.startsWith(":") || value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else headers.set(name, value);
      }
      headers.set("x-request-id", info.id); // the id the server settled on, for RPCs made in process
      const method = req.method ?? "GET";
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(`http://${host}${req.url}`, {
        method,
        headers,
        signal: aborted.signal,
        body: hasBody ? Readable.toWeb(req as Readable) : undefined,
        duplex: "half",
      } as RequestInit);
      attachRequestInfo(request, info);
      const response = await handle(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (!(isH2 && H2_FORBIDDEN.has(name)) && name !== "set-cookie") out[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length > 0) out["set-cookie"] = cookies;
      res.writeHead(response.status, out);
      if (response.body && method !== "HEAD") {
        for await (const chunk of response.body) res.write(chunk);
      }
      res.end();
    } catch (err) {
      if (aborted.signal.aborted) return; // the client left; nobody to answer
      logger.error({ err, requestId: info.id }, "REST handler failed outside its error handling");
      if (res.headersSent) {
        // The status and part of the body are out: an error body now would corrupt the response.
        // Dropping the stream tells the client the response is incomplete.
        res.destroy(err instanceof Error ? err : undefined);
        return;
      }
      res.writeHead(500, { "content-type": "application/json" });
      res.end('{"code":13,"message":"internal error","details":[]}');
    }
  };
}
