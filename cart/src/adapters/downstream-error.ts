import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError } from "@route256/platform/errors/domain-error";

/**
 * A dependency's failure as cart reports it. A downstream code is not ours to repeat: products
 * answering unauthenticated or LOMS answering invalid_argument is cart failing to serve, so it is
 * `unavailable` (503) naming the dependency and its code (SPEC: "other failures are 5xx, never a
 * false 412"). Cancellation and deadlines stay what they are: the caller gave up, nothing failed.
 */
export function downstreamFailure(dependency: string, err: unknown): Error {
  const e = ConnectError.from(err);
  if (e.code === Code.Canceled || e.code === Code.DeadlineExceeded) return e;
  return new DomainError("unavailable", `${dependency} failed: [${Code[e.code]}] ${e.rawMessage}`);
}
