/** Request headers that travel from a REST call into the RPC it makes in process. */
const FORWARDED = ["x-request-id", "x-api-key", "traceparent"];

/**
 * Call options for an in-process RPC made while serving `request`: its cancellation (a client that
 * disconnects cancels the RPC) and the headers that must travel with it (request id, caller's
 * token, trace context) — only those the caller sent.
 */
export function forwardedCallOptions(request: Request): { signal: AbortSignal; headers: Headers } {
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return { signal: request.signal, headers };
}
