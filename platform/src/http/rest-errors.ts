import { Code } from "@connectrpc/connect";
import { httpStatusOf, toConnectError } from "../errors/codes.ts";

/** A failure as a REST route reports it; each REST surface renders the body its clients expect. */
export interface RestFailure {
  status: number;
  code: Code;
  message: string;
}

/**
 * The REST view of anything a route threw: domain errors and RPC errors (from in-process Connect
 * calls) go through the same tables as RPCs do (errors/codes.ts), so REST and Connect agree.
 */
export function restFailure(err: unknown): RestFailure {
  const e = toConnectError(err);
  return { status: httpStatusOf(e.code), code: e.code, message: e.rawMessage };
}

/** The course grpc-gateway error body: {"code": <numeric gRPC code>, "message": "...", "details": []}. */
export function gatewayErrorBody(failure: Pick<RestFailure, "code" | "message">) {
  return { code: failure.code, message: failure.message, details: [] as unknown[] };
}

/** Elysia's own errors (no route, unparsable body, schema mismatch) in gateway form. */
export function frameworkFailure(code: string | number, error: unknown): RestFailure | undefined {
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "NOT_FOUND":
      return { status: 404, code: Code.NotFound, message: "no such route" };
    case "PARSE":
      return { status: 400, code: Code.InvalidArgument, message: `invalid body: ${message}` };
    case "VALIDATION":
      return { status: 400, code: Code.InvalidArgument, message: validationMessage(error) };
    default:
      return undefined;
  }
}

interface ValidationLike {
  all?: { path?: string; summary?: string; message?: string }[];
}

/** "invalid <field>: <why>" from Elysia's validation error, naming the first bad field. */
function validationMessage(error: unknown): string {
  const first = (error as ValidationLike).all?.[0];
  if (!first) return "invalid request";
  const field = (first.path ?? "").replace(/^\//, "").replaceAll("/", ".") || "request";
  return `invalid ${field}: ${first.summary ?? first.message ?? "does not match the schema"}`;
}
