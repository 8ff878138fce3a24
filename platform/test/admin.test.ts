// The profiling routes (http/admin.ts) on a real serveOnePort server: the guard, the files they
// write, and the documentation they add.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Transport } from "@connectrpc/connect";
import { protoDocs } from "@route256/proto/docs.ts";
import { ProductService } from "@route256/proto/products/v1/products_pb.ts";
import { parseEnv, type ServerConfig, serverEnv } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { createRpcMetrics } from "../src/metrics.ts";
import { type RunningServer, serveOnePort } from "../src/server/one-port.ts";
import type { Json } from "./support/json.ts";
import { LogCapture } from "./support/log-capture.ts";
import { testRest } from "./support/rest.ts";
import { testProducts } from "./support/test-products.ts";

const TOKEN = "s3cret-admin-token";

function serve(admin: ServerConfig["admin"]): Promise<RunningServer> {
  return serveOnePort({
    config: { host: "127.0.0.1", port: 0, logLevel: "silent", shutdownGraceMs: 1000, admin },
    logger: createLogger("test", "silent", new LogCapture()),
    metrics: createRpcMetrics("test"),
    services: [ProductService],
    routes: testProducts().routes,
    rest: (local: Transport) => testRest(local),
    docs: { title: "platform test", description: "a test service", version: "0.0.1", protoDocs },
  });
}

async function call(
  server: RunningServer,
  method: string,
  path: string,
  token: string | undefined = TOKEN,
): Promise<{ status: number; headers: Headers; json: Json; text: string }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = {}; // not JSON: every field an assertion looks for is missing
  }
  return { status: res.status, headers: res.headers, json, text };
}

describe("serverEnv: ADMIN_TOKEN and PROFILE_DIR", () => {
  test("no ADMIN_TOKEN (or an empty one): no admin settings at all", () => {
    expect(parseEnv(serverEnv("CART", 8080), {})).not.toHaveProperty("admin");
    expect(parseEnv(serverEnv("CART", 8080), { ADMIN_TOKEN: " " })).not.toHaveProperty("admin");
  });

  test("ADMIN_TOKEN set: the token and the directory, .run/profiles unless PROFILE_DIR says otherwise", () => {
    expect(parseEnv(serverEnv("CART", 8080), { ADMIN_TOKEN: "t" }).admin).toEqual({
      token: "t",
      profileDir: ".run/profiles",
    });
    expect(
      parseEnv(serverEnv("CART", 8080), { ADMIN_TOKEN: "t", PROFILE_DIR: "/var/tmp/prof" }).admin,
    ).toEqual({ token: "t", profileDir: "/var/tmp/prof" });
  });

  test("a token a Bearer header cannot carry is a configuration error naming the variable", () => {
    expect(() => parseEnv(serverEnv("CART", 8080), { ADMIN_TOKEN: "two words" })).toThrow(/ADMIN_TOKEN/);
  });
});

describe("admin routes when ADMIN_TOKEN is not set", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(undefined);
  });
  afterAll(() => server.close());

  test("404 even with a token: the routes do not exist", async () => {
    expect((await call(server, "POST", "/debug/heap")).status).toBe(404);
    expect((await call(server, "POST", "/debug/cpu?seconds=1")).status).toBe(404);
    expect((await call(server, "GET", "/debug/profiles/x.cpuprofile", undefined)).status).toBe(404);
  });

  test("and /openapi.json does not mention them", async () => {
    const doc = (await call(server, "GET", "/openapi.json")).json;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/debug"))).toEqual([]);
  });
});

describe("admin routes when ADMIN_TOKEN is set", () => {
  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "admin-test-"));
    // A directory that does not exist yet: the first file creates it.
    server = await serve({ token: TOKEN, profileDir: join(dir, "profiles") });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("401 without the right bearer token, with a Bearer challenge; nothing is written", async () => {
    const cases: [string, Record<string, string>][] = [
      ["no header", {}],
      ["wrong token", { authorization: "Bearer wrong" }],
      ["token prefix", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ["token plus more", { authorization: `Bearer ${TOKEN}x` }],
      ["other scheme", { authorization: `Basic ${TOKEN}` }],
      ["bare token", { authorization: TOKEN }],
    ];
    for (const [name, headers] of cases) {
      for (const [method, path] of [
        ["POST", "/debug/heap"],
        ["POST", "/debug/cpu?seconds=1"],
        ["GET", "/debug/profiles/x.heapsnapshot"],
      ] as const) {
        const res = await fetch(`${server.url}${path}`, { method, headers });
        const body = (await res.json()) as Json;
        expect({ name, path, status: res.status }).toEqual({ name, path, status: 401 });
        expect(res.headers.get("www-authenticate")).toStartWith("Bearer");
        expect(body.message).toContain("ADMIN_TOKEN");
      }
    }
    expect(await readdir(dir)).toEqual([]); // not even the profiles directory
  });

  test("the scheme name is case-insensitive, as RFC 9110 says", async () => {
    const res = await fetch(`${server.url}/debug/profiles/none.cpuprofile`, {
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(res.status).toBe(404); // past the guard: the file just does not exist
  });

  test("the guard covers only the admin routes", async () => {
    expect((await call(server, "GET", "/healthz", undefined)).status).toBe(200);
    expect((await call(server, "GET", "/product/7", undefined)).status).toBe(200);
  });

  test("POST /debug/heap writes a V8 heap snapshot and names it", async () => {
    const res = await call(server, "POST", "/debug/heap");
    expect(res.status).toBe(200);
    const { file, bytes, download } = res.json as { file: string; bytes: number; download: string };
    expect(basename(file)).toMatch(
      new RegExp(`^platform-test-${process.pid}-\\d{8}T\\d{6}\\.\\d{3}Z\\.heapsnapshot$`),
    );
    expect(file).toStartWith(join(dir, "profiles"));
    const written = Bun.file(file);
    expect(written.size).toBe(bytes);
    expect(bytes).toBeGreaterThan(1000);
    const snapshot = (await written.json()) as Json;
    expect(snapshot.snapshot.meta.node_fields).toContain("name");
    expect(snapshot.nodes.length).toBeGreaterThan(0);
    expect(snapshot.strings.length).toBeGreaterThan(0);
    expect(download).toBe(`/debug/profiles/${basename(file)}`);

    // The same bytes come back from the download route, as an attachment.
    const got = await fetch(`${server.url}${download}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toBe(`attachment; filename="${basename(file)}"`);
    expect((await got.arrayBuffer()).byteLength).toBe(bytes);
  });

  test("two snapshots in a row get two files", async () => {
    const a = (await call(server, "POST", "/debug/heap")).json.file;
    const b = (await call(server, "POST", "/debug/heap")).json.file;
    expect(a).not.toBe(b);
  });

  test("the download route serves only our files: other names are 404", async () => {
    for (const name of [
      "none.cpuprofile",
      "x.txt",
      "..%2F..%2Fetc%2Fpasswd",
      "..%2Fx.heapsnapshot",
      "x.heapsnapshot%00.txt", // a NUL byte: 404 like any other odd name, never a 500
      "%00",
    ]) {
      const res = await call(server, "GET", `/debug/profiles/${name}`);
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
  });

  test("POST /debug/cpu?seconds=1 records for a second and writes a Chrome .cpuprofile", async () => {
    // Something to sample: CPU work on the server's event loop while the profile records.
    const busy = setInterval(() => {
      let x = 0;
      for (let i = 0; i < 200_000; i++) x += Math.sqrt(i);
      return x;
    }, 5);
    const started = performance.now();
    const res = await call(server, "POST", "/debug/cpu?seconds=1").finally(() => clearInterval(busy));
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ seconds: 1, download: expect.stringMatching(/\.cpuprofile$/) });
    expect(basename(res.json.file)).toMatch(new RegExp(`^platform-test-${process.pid}-.+\\.cpuprofile$`));

    const profile = (await Bun.file(res.json.file).json()) as {
      nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
      samples: number[];
      timeDeltas: number[];
      startTime: number;
      endTime: number;
    };
    expect(Bun.file(res.json.file).size).toBe(res.json.bytes);
    expect(profile.nodes[0]?.callFrame.functionName).toBe("(root)");
    expect(profile.samples.length).toBeGreaterThan(0);
    expect(profile.samples.length).toBe(res.json.samples);
    expect(profile.timeDeltas.length).toBe(profile.samples.length);
    const ids = new Set(profile.nodes.map((n) => n.id));
    for (const id of profile.samples) expect(ids.has(id)).toBe(true);
    // Microseconds, as DevTools reads them. The profiler stamps its first and last sample, not the
    // recording window (the window is the ≥ 950 ms asserted above), so on a loaded machine the span
    // is shorter than a second (816 ms seen in CI); these bounds tell µs from ms and ns.
    expect(profile.endTime - profile.startTime).toBeGreaterThan(100_000);
    expect(profile.endTime - profile.startTime).toBeLessThan(5_000_000);
  });

  test("a second CPU profile while one records is refused with 409; afterwards it works again", async () => {
    // Sent together: whichever reaches its handler first records for 2 s, the other is refused —
    // no guess at how soon a loaded machine lets the first one in.
    const both = await Promise.all([
      call(server, "POST", "/debug/cpu?seconds=2"),
      call(server, "POST", "/debug/cpu?seconds=2"),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)?.json.message).toContain("already");
    expect((await call(server, "POST", "/debug/cpu?seconds=1")).status).toBe(200);
  });

  test("seconds outside 1..60 or not a whole number: 400 naming the parameter", async () => {
    for (const seconds of ["0", "61", "600", "abc", "1.5", "-1", "1e1", " 5"]) {
      const res = await call(server, "POST", `/debug/cpu?seconds=${encodeURIComponent(seconds)}`);
      expect({ seconds, status: res.status }).toEqual({ seconds, status: 400 });
      expect(res.json.message).toContain("invalid seconds");
    }
  });

  test("documented in /openapi.json under the admin tag, every operation with its responses", async () => {
    const doc = (await call(server, "GET", "/openapi.json", undefined)).json;
    const ops = [
      doc.paths["/debug/heap"]?.post,
      doc.paths["/debug/cpu"]?.post,
      doc.paths["/debug/profiles/{file}"]?.get,
    ];
    for (const op of ops) {
      expect(op?.tags).toEqual(["admin"]);
      expect(Object.keys(op?.responses ?? {})).toContain("401");
    }
    expect(doc.paths["/debug/cpu"].post.parameters).toContainEqual(
      expect.objectContaining({ name: "seconds", in: "query" }),
    );
  });
});
