import { createHash, timingSafeEqual } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { Code, ConnectError } from "@connectrpc/connect";
import { Elysia } from "elysia";
import { abortableSleep } from "../concurrency/sleep.ts";
import { DomainError } from "../errors/domain-error.ts";

/** What the admin routes need when they are on: the shared secret and where files go. */
export interface AdminConfig {
  /** Callers must send `authorization: Bearer <token>` (ADMIN_TOKEN). */
  token: string;
  /** Directory for heap snapshots and CPU profiles (PROFILE_DIR); relative to the working directory. */
  profileDir: string;
}

export interface AdminOptions {
  /** Service name, the first part of every file name. */
  service: string;
  /** Undefined (ADMIN_TOKEN unset): no admin route exists, so every /debug path answers 404. */
  admin: AdminConfig | undefined;
}

const CPU_SECONDS_DEFAULT = 10;
const CPU_SECONDS_MAX = 60;

/**
 * One per process, not per plugin: the JSC sampling profiler behind node:inspector is global, and
 * a second session's Profiler.stop would end (and steal) a profile another request is recording.
 */
let cpuProfiling = false;

const FILE = /^[\w.-]+\.(heapsnapshot|cpuprofile)$/;

/**
 * Profiling on demand, the role net/http/pprof plays in Go: a heap snapshot (V8 format, opens in
 * Chrome DevTools → Memory) and a CPU profile (.cpuprofile, Chrome DevTools → Performance, or
 * speedscope), written to a directory and downloadable.
 *
 * Off unless ADMIN_TOKEN is set, and then only for callers that present it: a snapshot holds every
 * string in the heap (tokens, personal data), a snapshot stops the event loop while it is taken,
 * and sampling slows every request while a profile records. When off the routes are not mounted
 * at all, so they answer 404 and stay out of /openapi.json — nothing advertises a switch that does
 * not exist.
 */
export function adminRoutes(opts: AdminOptions) {
  const app = new Elysia({ name: "admin" });
  const admin = opts.admin;
  if (!admin) return app;
  const dir = resolve(admin.profileDir);
  const expected = digest(admin.token);
  const service = opts.service.replace(/[^\w-]+/g, "-");

  const fileFor = async (ext: "heapsnapshot" | "cpuprofile") => {
    await mkdir(dir, { recursive: true });
    // Milliseconds keep two snapshots taken in the same second apart; no ':' for Windows file systems.
    const stamp = new Date().toISOString().replace(/[-:]/g, "");
    const name = `${service}-${process.pid}-${stamp}.${ext}`;
    return { name, path: join(dir, name) };
  };
  const written = async (file: { name: string; path: string }) => ({
    file: file.path,
    bytes: (await stat(file.path)).size,
    download: `/debug/profiles/${file.name}`,
  });

  return app
    .onBeforeHandle(({ request, set }) => {
      if (authorized(request.headers.get("authorization"), expected)) return;
      set.headers["www-authenticate"] = 'Bearer realm="admin"';
      throw new DomainError("unauthenticated", "admin routes need authorization: Bearer <ADMIN_TOKEN>");
    })
    .post(
      "/debug/heap",
      async () => {
        const file = await fileFor("heapsnapshot");
        // Synchronous: the event loop stops while the heap is walked (tens of ms for a small service).
        writeHeapSnapshot(file.path);
        return written(file);
      },
      {
        detail: {
          tags: ["admin"],
          summary: "Write a heap snapshot (V8 .heapsnapshot format) to PROFILE_DIR",
          description: "Needs `Authorization: Bearer <ADMIN_TOKEN>`. Pauses the process while it runs.",
          responses: { "200": fileWritten, "401": error("Missing or wrong token") },
        },
      },
    )
    .post(
      "/debug/cpu",
      async ({ query, request }) => {
        const seconds = secondsOf(query.seconds);
        if (cpuProfiling) {
          throw new ConnectError("a CPU profile is already being recorded; try again later", Code.Aborted);
        }
        cpuProfiling = true;
        try {
          // A caller that gives up (curl --max-time, shutdown) ends the profile early: what was
          // recorded so far is still written, so the file is there for whoever looks next.
          const profile = await recordCpu(seconds * 1000, request.signal);
          const file = await fileFor("cpuprofile");
          await Bun.write(file.path, JSON.stringify(profile));
          return { ...(await written(file)), seconds, samples: profile.samples?.length ?? 0 };
        } finally {
          cpuProfiling = false;
        }
      },
      {
        detail: {
          tags: ["admin"],
          summary: "Record a CPU profile for N seconds and write it (.cpuprofile) to PROFILE_DIR",
          description:
            "Needs `Authorization: Bearer <ADMIN_TOKEN>`. Answers when the recording ends. " +
            "One profile at a time per process.",
          parameters: [
            {
              name: "seconds",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 1, maximum: CPU_SECONDS_MAX, default: CPU_SECONDS_DEFAULT },
            },
          ],
          responses: {
            "200": fileWritten,
            "400": error(`seconds is not a whole number from 1 to ${CPU_SECONDS_MAX}`),
            "401": error("Missing or wrong token"),
            "409": error("Another CPU profile is being recorded"),
          },
        },
      },
    )
    .get(
      "/debug/profiles/:file",
      async ({ params, set }) => {
        // Name check before the name reaches the file system: a plain file name of ours (no '/', so
        // no way out of the directory; no NUL or other odd bytes, which Bun.file would throw on).
        const missing = () => new DomainError("not_found", `no profile named ${JSON.stringify(params.file)}`);
        if (!FILE.test(params.file)) throw missing();
        const file = Bun.file(join(dir, params.file));
        if (!(await file.exists())) throw missing();
        set.headers["content-disposition"] = `attachment; filename="${params.file}"`;
        set.headers["content-type"] = "application/json";
        return file;
      },
      {
        detail: {
          tags: ["admin"],
          summary: "Download a file written by /debug/heap or /debug/cpu",
          description: "Needs `Authorization: Bearer <ADMIN_TOKEN>`.",
          responses: {
            "200": {
              description: "The snapshot or profile (JSON)",
              content: { "application/json": { schema: { type: "object" } } },
            },
            "401": error("Missing or wrong token"),
            "404": error("No such file"),
          },
        },
      },
    );
}

const fileWritten = {
  description: "Written: absolute path on the server, size, and where to download it",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          file: { type: "string" },
          bytes: { type: "integer" },
          download: { type: "string" },
          seconds: { type: "integer" },
          samples: { type: "integer" },
        },
      },
    },
  },
} as const;

const error = (description: string) =>
  ({ description, content: { "application/json": { schema: { type: "object" } } } }) as const;

/** Fixed-length digests so the comparison takes the same time whatever the token's length. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function authorized(header: string | null, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function secondsOf(text: string | undefined): number {
  if (text === undefined || text === "") return CPU_SECONDS_DEFAULT;
  const seconds = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 1 && seconds <= CPU_SECONDS_MAX)) {
    throw new DomainError(
      "invalid_argument",
      `invalid seconds: must be a whole number from 1 to ${CPU_SECONDS_MAX}, got "${text}"`,
    );
  }
  return seconds;
}

/** Samples the JS thread for `ms` (or until `signal` aborts) through the inspector protocol. */
async function recordCpu(ms: number, signal: AbortSignal) {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    await abortableSleep(ms, signal).catch(() => undefined);
    const { profile } = await session.post("Profiler.stop");
    return profile;
  } finally {
    session.disconnect();
  }
}
