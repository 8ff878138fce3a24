import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { envVar, parseEnv, serverEnv } from "../src/config.ts";

const schema = z.object({
  APP_PORT: envVar.port(8080),
  APP_HOST: envVar.host(),
  WORKERS: envVar.count(4),
  BROKERS: envVar.list("localhost:9092"),
  LOG_LEVEL: envVar.logLevel(),
});

function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a throw");
}

describe("parseEnv", () => {
  test("fills in defaults when variables are missing", () => {
    expect(parseEnv(schema, {})).toEqual({
      APP_PORT: 8080,
      APP_HOST: "127.0.0.1",
      WORKERS: 4,
      BROKERS: ["localhost:9092"],
      LOG_LEVEL: "info",
    });
  });

  test("coerces strings to typed values", () => {
    const config = parseEnv(schema, {
      APP_PORT: "9000",
      APP_HOST: "0.0.0.0",
      WORKERS: "0",
      BROKERS: "a:1,b:2",
      LOG_LEVEL: "debug",
    });
    expect(config).toEqual({
      APP_PORT: 9000,
      APP_HOST: "0.0.0.0",
      WORKERS: 0,
      BROKERS: ["a:1", "b:2"],
      LOG_LEVEL: "debug",
    });
    expect(typeof config.APP_PORT).toBe("number");
  });

  test("reads process.env by default", () => {
    const name = "PLATFORM_TEST_ONLY_VAR";
    process.env[name] = "123";
    try {
      expect(parseEnv(z.object({ [name]: envVar.count(0) }))).toEqual({ [name]: 123 });
    } finally {
      delete process.env[name];
    }
  });

  test.each([
    ["APP_PORT", "abc"],
    ["APP_PORT", "70000"],
    ["APP_PORT", "-1"],
    ["APP_PORT", "80.5"],
    ["WORKERS", "-3"],
    ["WORKERS", "many"],
    ["LOG_LEVEL", "loud"],
  ])("a bad %s (%p) is reported by name", (name, value) => {
    const message = thrownMessage(() => parseEnv(schema, { [name]: value }));
    expect(message).toStartWith("invalid configuration: ");
    expect(message).toContain(`${name}: `);
  });

  test("reports every bad variable at once", () => {
    const message = thrownMessage(() => parseEnv(schema, { APP_PORT: "x", WORKERS: "y", LOG_LEVEL: "z" }));
    expect(message).toContain("APP_PORT: ");
    expect(message).toContain("WORKERS: ");
    expect(message).toContain("LOG_LEVEL: ");
    expect(message.split("; ")).toHaveLength(3);
  });

  test("an empty variable counts as unset: the default applies", () => {
    const parsed = parseEnv(schema, { APP_HOST: "", APP_PORT: " " });
    expect(parsed.APP_HOST).toBe("127.0.0.1");
    expect(parsed.APP_PORT).toBe(8080);
  });

  test("numbers are plain decimal digits", () => {
    for (const bad of ["0x1F90", "1e3", "12abc", "-1"]) {
      expect(thrownMessage(() => parseEnv(schema, { APP_PORT: bad }))).toContain("APP_PORT");
    }
  });
});

describe("envVar.list", () => {
  const list = envVar.list("x, y");

  test("splits on commas, trims items and drops empty ones", () => {
    expect(list.parse(" a, b ,,c , ")).toEqual(["a", "b", "c"]);
  });

  test("uses the default when the variable is missing", () => {
    expect(list.parse(undefined)).toEqual(["x", "y"]);
  });

  test("an empty value is an empty list", () => {
    expect(list.parse("")).toEqual([]);
    expect(envVar.list("").parse(undefined)).toEqual([]);
  });

  test("keeps a single item", () => {
    expect(list.parse("only")).toEqual(["only"]);
  });
});

describe("envVar.port", () => {
  test("accepts the whole port range, 0 included", () => {
    expect(envVar.port(1).parse("0")).toBe(0);
    expect(envVar.port(1).parse("65535")).toBe(65535);
    expect(envVar.port(1).safeParse("65536").success).toBe(false);
  });
});

describe("serverEnv", () => {
  test("defaults", () => {
    expect(parseEnv(serverEnv("PRODUCTS", 8082), {})).toEqual({
      host: "127.0.0.1",
      port: 8082,
      logLevel: "info",
      shutdownGraceMs: 10_000,
      http: {
        requestTimeoutMs: 10_000,
        idleTimeoutMs: 60_000,
        maxConnections: 4_096,
        maxBodyBytes: 4_194_304,
      },
    });
  });

  test("reads the prefixed host and port and the shared settings", () => {
    const env = {
      CART_HOST: "0.0.0.0",
      CART_PORT: "8080",
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_MS: "2500",
      HTTP_REQUEST_TIMEOUT_MS: "5000",
      HTTP_IDLE_TIMEOUT_MS: "30000",
      HTTP_MAX_CONNECTIONS: "100",
      HTTP_MAX_BODY_BYTES: "65536",
      // Another service's settings must not leak in.
      LOMS_PORT: "9999",
    };
    expect(parseEnv(serverEnv("CART", 1), env)).toEqual({
      host: "0.0.0.0",
      port: 8080,
      logLevel: "warn",
      shutdownGraceMs: 2500,
      http: { requestTimeoutMs: 5000, idleTimeoutMs: 30_000, maxConnections: 100, maxBodyBytes: 65_536 },
    });
  });

  test("LOG_FORMAT: json or pretty; unset (or empty) leaves the choice to the logger's stdout", () => {
    const format = (value?: string) =>
      parseEnv(serverEnv("CART", 1), value === undefined ? {} : { LOG_FORMAT: value }).logFormat;
    expect(format("pretty")).toBe("pretty");
    expect(format("json")).toBe("json");
    expect(format()).toBeUndefined();
    expect(format("")).toBeUndefined();
    expect(thrownMessage(() => format("yaml"))).toContain("LOG_FORMAT: ");
  });

  test("a bad value names the prefixed variable", () => {
    const message = thrownMessage(() => parseEnv(serverEnv("LOMS", 8083), { LOMS_PORT: "http" }));
    expect(message).toContain("LOMS_PORT: ");
    expect(thrownMessage(() => parseEnv(serverEnv("LOMS", 8083), { SHUTDOWN_GRACE_MS: "soon" }))).toContain(
      "SHUTDOWN_GRACE_MS: ",
    );
    expect(thrownMessage(() => parseEnv(serverEnv("LOMS", 8083), { HTTP_MAX_BODY_BYTES: "4MB" }))).toContain(
      "HTTP_MAX_BODY_BYTES: ",
    );
  });
});
