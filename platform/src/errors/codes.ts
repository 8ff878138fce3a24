import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError, type ErrorKind } from "./domain-error.ts";

/** The one place where a domain error kind becomes a Connect code. */
const codeOfKind: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/**
 * Connect code → HTTP status, as grpc-gateway maps them (the course's clients were written against
 * grpc-gateway). Note failed_precondition is 400 here; a REST surface that promises another status
 * (cart's 412) says so in its own routes.
 */
const httpStatusOfCode: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export function httpStatusOf(code: Code): number {
  return httpStatusOfCode[code];
}

/**
 * Turns anything thrown into a ConnectError. Domain errors keep their message; ConnectErrors pass
 * through (they come from validation or downstream calls); anything else is a bug and must not leak
 * its message to callers, so it becomes a bare internal error.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof DomainError)
    return new ConnectError(err.message, codeOfKind[err.kind], undefined, undefined, err);
  if (err instanceof ConnectError) return err;
  const aborted = abortCode(err);
  if (aborted !== undefined)
    return new ConnectError("the caller went away", aborted, undefined, undefined, err);
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}

/** True when the error is a bug rather than an expected outcome: worth a stack trace in the log. */
export function isUnexpected(err: unknown): boolean {
  return !(err instanceof DomainError) && !(err instanceof ConnectError) && abortCode(err) === undefined;
}

/**
 * An AbortSignal's reason surfacing as an error (fetch, timers, our sleeps) is a cancellation or a
 * timeout, not a bug: a client that disconnects must not produce "internal error" stack traces.
 */
function abortCode(err: unknown): Code | undefined {
  if (!(err instanceof Error) && !(err instanceof DOMException)) return undefined;
  if (err.name === "AbortError") return Code.Canceled;
  if (err.name === "TimeoutError") return Code.DeadlineExceeded;
  return undefined;
}
