/**
 * What kind of failure a domain error is. Business code names the kind; transports decide what it
 * looks like on the wire (Connect code, HTTP status, body) in errors/codes.ts, and only there.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "unavailable";

/** Base of every typed error a use case throws on purpose. Anything else is a bug (internal). */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
