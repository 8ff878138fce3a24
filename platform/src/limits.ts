/**
 * Connection hygiene of the one-port server. Every limit has a default that protects a service
 * nobody tuned; the environment can change each (HTTP_* in config.ts, documented in the README).
 */
export interface HttpLimits {
  /**
   * From a connection's (or a keep-alive request's) first byte until its request line and headers
   * are in, and again for reading its body: a slow-loris client is closed after this.
   */
  requestTimeoutMs: number;
  /**
   * A connection with no request in flight and nothing arriving is closed after this. Requests in
   * flight never count as idle: cart's calls may queue for seconds behind the 10 RPS limiter.
   */
  idleTimeoutMs: number;
  /** Open connections per process; more are refused at accept. */
  maxConnections: number;
  /** A request body larger than this is refused (413 / resource_exhausted) before it is buffered. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConnections: 4_096,
  maxBodyBytes: 4 * 1024 * 1024,
};
