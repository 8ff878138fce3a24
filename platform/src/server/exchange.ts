import { within } from "../concurrency/within.ts";
import type { Logger } from "../logger.ts";
import { newRequestInfo, type RequestInfo } from "../request-info.ts";

/** One request/response on either HTTP version, from the server's point of view. */
export interface Exchange {
  readonly info: RequestInfo;
  /** Answer sent (or the client left: status 499). Writes the access log line; call it once. */
  end(status: number): void;
}

export interface ExchangeStart {
  http: "1.1" | "2.0";
  method: string;
  /** Path and query, as the access log shows them. */
  path: string;
  requestId: string | null | undefined;
  client: string | undefined;
}

/**
 * Counts requests in flight (for the drain) and writes one access log line per request. A 500 that
 * no handler explained in the log (the error interceptor and the REST error handler log theirs with
 * the stack) is logged at error level here, so no server error goes unnoticed.
 */
export class Exchanges {
  private inFlight = 0;
  private idle?: () => void;

  constructor(private readonly logger: Logger) {}

  get active(): number {
    return this.inFlight;
  }

  begin(start: ExchangeStart): Exchange {
    const info = newRequestInfo(start.requestId ?? undefined, start.client);
    const started = performance.now();
    this.inFlight++;
    let ended = false;
    return {
      info,
      end: (status) => {
        if (ended) return;
        ended = true;
        this.inFlight--;
        this.log(start, info, status, performance.now() - started);
        if (this.inFlight === 0) this.idle?.();
      },
    };
  }

  /** Resolves once nothing is in flight, or after `ms`; true when everything finished. */
  async settled(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    const idle = new Promise<boolean>((resolve) => {
      this.idle = () => resolve(true);
    });
    return within(ms, idle, "requests in flight").catch(() => false);
  }

  private log(start: ExchangeStart, info: RequestInfo, status: number, ms: number): void {
    // Scrapes and probes every few seconds would drown the interesting lines.
    const quiet =
      start.path === "/metrics" ||
      start.path === "/healthz" ||
      start.path === "/readyz" ||
      start.path === "/grpc.health.v1.Health/Check"; // Kubernetes' gRPC probes
    const level = quiet ? "debug" : "info";
    // Under load with LOG_LEVEL=warn, building a line nobody writes would cost every request.
    if (status !== 500 && !this.logger.isLevelEnabled(level)) return;
    const line = {
      requestId: info.id,
      client: info.clientAddress,
      http: start.http,
      method: start.method,
      path: start.path,
      status, // 499 (nginx's "client closed request"): the peer left before the answer was complete
      ...(info.rpcCode ? { rpcCode: info.rpcCode } : {}),
      ...info.span,
      ms: Math.round(ms * 10) / 10,
    };
    this.logger[level](line, "request");
    // 500 is a bug (internal, unknown, data_loss); 502–504 are answers about dependencies.
    if (status === 500 && !info.errorLogged) {
      this.logger.error(line, "server error without a logged cause");
    }
  }
}
