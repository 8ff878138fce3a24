// scripts/full-stack.sh decides between Docker and the native stack. Here it runs from a copy in a
// temporary directory (its .run/ is the copy's), with a fake `docker` first on PATH that answers
// `docker info` as each case needs and records every call: nothing is started, nothing is pulled.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "@route256/testkit/run-script";

const SCRIPT = join(import.meta.dir, "../../scripts/full-stack.sh");

// FAKE_INFO: exit code of `docker info`, or "hang"; FAKE_COMPOSE: exit code of `docker compose version`
const FAKE_DOCKER = `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in
  info) [ "$FAKE_INFO" = hang ] && exec sleep 30; exit "$FAKE_INFO" ;;
  compose) [ "$2" = version ] && exit "$FAKE_COMPOSE"; exit 0 ;;
esac
exit 0
`;

let dir: string;
let log: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "full-stack-"));
  mkdirSync(join(dir, "scripts"));
  mkdirSync(join(dir, "bin"));
  cpSync(SCRIPT, join(dir, "scripts/full-stack.sh"));
  writeFileSync(join(dir, "bin/docker"), FAKE_DOCKER);
  chmodSync(join(dir, "bin/docker"), 0o755);
  log = join(dir, "docker.log");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(
  args: string[],
  opts: { info?: number | "hang"; compose?: number; mode?: string; probe?: number; stackDir?: string } = {},
) {
  return runCommand(["bash", join(dir, "scripts/full-stack.sh"), ...args], {
    PATH: `${join(dir, "bin")}:/usr/bin:/bin`,
    FAKE_LOG: log,
    FAKE_INFO: String(opts.info ?? 0),
    FAKE_COMPOSE: String(opts.compose ?? 0),
    STACK_MODE: opts.mode ?? "",
    DOCKER_PROBE_TIMEOUT: String(opts.probe ?? 5),
    // the copy's own .run/ unless a case says otherwise, whatever the caller's environment says
    STACK_DIR: opts.stackDir ?? "",
  });
}
const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);

describe("full-stack.sh which", () => {
  test("docker when the engine answers and compose is there", async () => {
    const r = await run(["which"]);
    expect(r).toEqual({ code: 0, output: "docker\n" });
    expect(calls()).toEqual(["info", "compose version"]);
  });

  test("native when `docker info` fails (a CLI without an engine)", async () => {
    expect(await run(["which"], { info: 1 })).toEqual({ code: 0, output: "native\n" });
  });

  test("native, with a warning, when the engine answers but compose is missing", async () => {
    const r = await run(["which"], { compose: 1 });
    expect(r.code).toBe(0);
    expect(r.output).toStartWith("native\n");
    expect(r.output).toContain("'docker compose' is missing");
  });

  test("native when the engine does not answer in time", async () => {
    const started = performance.now();
    expect(await run(["which"], { info: "hang", probe: 1 })).toEqual({ code: 0, output: "native\n" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("STACK_MODE forces the mode without asking Docker", async () => {
    expect(await run(["which"], { info: 1, mode: "docker" })).toEqual({ code: 0, output: "docker\n" });
    expect(await run(["which"], { mode: "native" })).toEqual({ code: 0, output: "native\n" });
    expect(calls()).toEqual([]);
    const bad = await run(["which"], { mode: "podman" });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain("STACK_MODE must be docker or native");
  });

  test("an unknown command prints the usage and fails", async () => {
    const r = await run(["start"]);
    expect(r.code).toBe(2);
    expect(r.output).toContain("full-stack.sh which [up|down|ps|logs]");
    expect(r.output).toContain("STACK_MODE=docker|native");
  });
});

describe("full-stack.sh in Docker mode", () => {
  test("up builds and waits for health; down, ps and logs follow the mode up chose, down forgets it", async () => {
    const up = await run(["up"]);
    expect(up.code).toBe(0);
    expect(calls()).toEqual(["info", "compose version", "compose up -d --wait --build"]);
    expect(readFileSync(join(dir, ".run/full-stack.mode"), "utf8")).toBe("docker\n");

    // the engine went away meanwhile: ps still asks compose, the stack was started there
    expect(await run(["which", "ps"], { info: 1 })).toEqual({ code: 0, output: "docker\n" });
    expect((await run(["ps"], { info: 1 })).code).toBe(0);
    expect((await run(["logs"], { info: 1 })).code).toBe(0);
    expect((await run(["down"], { info: 1 })).code).toBe(0);
    expect(calls().slice(3)).toEqual(["compose ps", "compose logs -f --tail 50", "compose down"]);
    expect(existsSync(join(dir, ".run/full-stack.mode"))).toBe(false);

    // forgotten: the next decision asks Docker again
    expect(await run(["which", "ps"], { info: 1 })).toEqual({ code: 0, output: "native\n" });
  });

  test("the mode is remembered where the stack keeps its state (STACK_DIR)", async () => {
    const stackDir = join(dir, "elsewhere");
    expect((await run(["up"], { stackDir })).code).toBe(0);
    expect(readFileSync(join(stackDir, "full-stack.mode"), "utf8")).toBe("docker\n");
    expect(existsSync(join(dir, ".run"))).toBe(false);
    expect(await run(["which", "down"], { info: 1, stackDir })).toEqual({ code: 0, output: "docker\n" });
  });

  test("a remembered native stack is not stopped through Docker", async () => {
    mkdirSync(join(dir, ".run"));
    writeFileSync(join(dir, ".run/full-stack.mode"), "native\n");
    expect(await run(["which", "down"])).toEqual({ code: 0, output: "native\n" });
    // `up` decides afresh
    expect(await run(["which", "up"])).toEqual({ code: 0, output: "docker\n" });
  });
});
