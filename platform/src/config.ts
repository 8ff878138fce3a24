import { z } from "zod";
import { DEFAULT_LIMITS, type HttpLimits } from "./limits.ts";
import type { LogFormat } from "./logger.ts";

type Env = Record<string, string | undefined>;

/**
 * Parses the environment once, at start-up, into a typed config. Every problem is reported at once
 * and names the variable, so a bad deployment fails before it listens instead of at first use.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new Error(`invalid configuration: ${problems.join("; ")}`);
}

/** An empty variable counts as unset (so its default applies), as shells and compose files mean it. */
const unsetIfEmpty = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** Plain decimal digits only: "0x1F90", "1e3" or "12abc" are mistakes, not numbers. */
const wholeNumber = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().max(max));

/** Building blocks for env schemas; env values are strings, these turn them into typed values. */
export const envVar = {
  port: (byDefault: number) => z.preprocess(unsetIfEmpty, wholeNumber(65535).default(byDefault)),
  host: (byDefault = "127.0.0.1") => z.preprocess(unsetIfEmpty, z.string().default(byDefault)),
  /** A non-negative whole number (milliseconds, counts). */
  count: (byDefault: number) =>
    z.preprocess(unsetIfEmpty, wholeNumber(Number.MAX_SAFE_INTEGER).default(byDefault)),
  /** Comma-separated list; empty items dropped. */
  list: (byDefault: string) =>
    z
      .string()
      .default(byDefault)
      .transform((s) =>
        s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      ),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** json | pretty; unset: the logger decides by its stdout (resolveLogFormat). */
  logFormat: () => z.preprocess(unsetIfEmpty, z.enum(["json", "pretty"]).optional()),
};

/**
 * Settings every served process shares: where to listen (<PREFIX>_HOST, <PREFIX>_PORT), how loud to
 * log (LOG_LEVEL) and in which format (LOG_FORMAT), how long to drain on shutdown
 * (SHUTDOWN_GRACE_MS), how many worker processes share the port (WORKERS), the profiling routes (http/admin.ts): `admin` exists only when ADMIN_TOKEN
 * is set, files go to PROFILE_DIR; and the connection hygiene of the one-port server (HTTP_*,
 * limits.ts).
 */
export function serverEnv(prefix: string, defaultPort: number) {
  return z
    .object({
      [`${prefix}_HOST`]: envVar.host(),
      [`${prefix}_PORT`]: envVar.port(defaultPort),
      LOG_LEVEL: envVar.logLevel(),
      LOG_FORMAT: envVar.logFormat(),
      SHUTDOWN_GRACE_MS: envVar.count(10_000),
      WORKERS: z.preprocess(unsetIfEmpty, wholeNumber(1024).pipe(z.number().min(1)).default(1)),
      ADMIN_TOKEN: z.preprocess(
        unsetIfEmpty,
        z.string().regex(/^\S+$/, "must not contain spaces").optional(),
      ),
      PROFILE_DIR: z.preprocess(unsetIfEmpty, z.string().default(".run/profiles")),
      HTTP_REQUEST_TIMEOUT_MS: envVar.count(DEFAULT_LIMITS.requestTimeoutMs),
      HTTP_IDLE_TIMEOUT_MS: envVar.count(DEFAULT_LIMITS.idleTimeoutMs),
      HTTP_MAX_CONNECTIONS: envVar.count(DEFAULT_LIMITS.maxConnections),
      HTTP_MAX_BODY_BYTES: envVar.count(DEFAULT_LIMITS.maxBodyBytes),
    })
    .transform((e) => ({
      host: e[`${prefix}_HOST`] as string,
      port: e[`${prefix}_PORT`] as number,
      logLevel: e.LOG_LEVEL as string,
      ...(e.LOG_FORMAT ? { logFormat: e.LOG_FORMAT as LogFormat } : {}),
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS as number,
      workers: e.WORKERS as number,
      http: {
        requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS as number,
        idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS as number,
        maxConnections: e.HTTP_MAX_CONNECTIONS as number,
        maxBodyBytes: e.HTTP_MAX_BODY_BYTES as number,
      } satisfies HttpLimits,
      ...(e.ADMIN_TOKEN
        ? { admin: { token: e.ADMIN_TOKEN as string, profileDir: e.PROFILE_DIR as string } }
        : {}),
    }));
}

/** What a server runs with: parsed from the environment, or written out by a test (limits default). */
export type ServerConfig = Omit<z.output<ReturnType<typeof serverEnv>>, "http" | "workers"> & {
  http?: Partial<HttpLimits>;
  workers?: number;
};
