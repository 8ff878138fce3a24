// The two log formats as a process really prints them: JSON lines when stdout is a pipe or a file,
// short human lines when LOG_FORMAT=pretty (what `just dev` asks for at a terminal).
import { describe, expect, test } from "bun:test";

const LOGGER = new URL("../src/logger.ts", import.meta.url).pathname;

/** Runs a small program that logs what a served request, an event and an error log, and returns stdout. */
async function printed(
  format: "json" | "pretty" | undefined,
  env: Record<string, string> = { NO_COLOR: "1" },
) {
  const program = `
    import { createLogger } from ${JSON.stringify(LOGGER)};
    const log = createLogger("cart", "info", ${format ? JSON.stringify(format) : "undefined"});
    log.info({ url: "http://127.0.0.1:8080" }, "listening");
    log.info({ requestId: "r-1", client: "127.0.0.1", http: "1.1", method: "POST", path: "/checkout/1",
      status: 200, ms: 14.2, trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" }, "request");
    log.info({ requestId: "r-2", method: "POST", path: "/cart.v1.CartService/AddItem", status: 200,
      rpcCode: "not_found", ms: 3.1 }, "request");
    log.info({ requestId: "r-3", method: "GET", path: "/user/1/cart", status: 404, ms: 0.8 }, "request");
    log.error({ err: new Error("boom"), requestId: "r-4" }, "unexpected error in RPC handler");
    log.flush?.();
  `;
  // colour is decided by these two alone here, whatever the environment running the tests says
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
  const child = Bun.spawn([process.execPath, "-e", program], {
    env: { ...inherited, ...env },
    stdout: "pipe",
  });
  const output = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  return output;
}

describe("createLogger", () => {
  test("unset format, stdout a pipe: JSON lines with the service, level word, trace ids", async () => {
    const lines = (await printed(undefined))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatchObject({
      level: "info",
      service: "cart",
      msg: "request",
      method: "POST",
      path: "/checkout/1",
      status: 200,
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    });
    expect(lines[4]).toMatchObject({ level: "error", err: { message: "boom" } });
  });

  test("pretty: one short line per request (time, level, service, method, path, status, ms)", async () => {
    const lines = (await printed("pretty")).split("\n");
    const time = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
    expect(lines[0]).toMatch(
      new RegExp(`^${time} INFO: cart +listening \\{"url":"http://127.0.0.1:8080"\\}$`),
    );
    expect(lines[1]).toMatch(new RegExp(`^${time} INFO: cart +POST /checkout/1 200 14.2 ms$`));
    // a gRPC call answers HTTP 200 whatever happened: its code is shown when it is not ok
    expect(lines[2]).toMatch(
      new RegExp(`^${time} INFO: cart +POST /cart.v1.CartService/AddItem 200 not_found 3.1 ms$`),
    );
    expect(lines[3]).toMatch(new RegExp(`^${time} INFO: cart +GET /user/1/cart 404 0.8 ms$`));
  });

  test("pretty: ids for machines stay out of the line; an error shows its message and stack", async () => {
    const out = await printed("pretty");
    for (const id of ["r-1", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", '127.0.0.1"', "1.1"])
      expect(out).not.toContain(id);
    expect(out).toMatch(/ERROR: cart +unexpected error in RPC handler *\n/);
    expect(out).toContain('"message": "boom"');
    expect(out).toMatch(/Error: boom\n\s+at /);
  });

  test("pretty colours only where asked: FORCE_COLOR paints the status", async () => {
    const out = await printed("pretty", { FORCE_COLOR: "1" });
    expect(out).toContain("\x1b[32m200\x1b[");
    expect(out).toContain("\x1b[33m404\x1b[");
  });
});
