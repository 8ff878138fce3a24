import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "@route256/proto/grpc/health/v1/health_pb.ts";

/** How often readiness is asked again while someone watches it (Kubernetes probes every 10 s by default). */
const WATCH_POLL_MS = 1_000;

/**
 * The process's readiness as the gRPC health protocol sees it: the same check /readyz answers,
 * asked again every `pollMs` while anyone watches (one probe for all watchers), and closed when the
 * server drains — watchers then get NOT_SERVING and their streams end, so a drain never waits on them.
 */
export class Readiness {
  private readonly watchers = new Set<() => void>();
  private readonly onClose = new Set<() => void>();
  private latest: boolean | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /** `closing` aborts when the server starts to drain. */
  constructor(
    private readonly probe: () => boolean | Promise<boolean>,
    closing: AbortSignal,
    private readonly pollMs = WATCH_POLL_MS,
  ) {
    if (closing.aborted) this.close();
    else closing.addEventListener("abort", () => this.close(), { once: true });
  }

  /** A probe that throws is a dependency that is down. */
  async serving(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return await this.probe();
    } catch {
      return false;
    }
  }

  /** Draining: every watcher gets NOT_SERVING and its stream ends. */
  private close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const wake of this.watchers) wake();
    for (const done of this.onClose) done();
  }

  /** The current status, then each change, until the signal aborts or the server closes. */
  async *watch(signal: AbortSignal): AsyncGenerator<boolean> {
    let sent = await this.serving();
    yield sent;
    let pending = false;
    let wake: (() => void) | undefined;
    const watcher = () => {
      pending = true;
      wake?.();
    };
    this.watchers.add(watcher);
    signal.addEventListener("abort", watcher, { once: true });
    this.poll();
    try {
      for (;;) {
        if (this.closed) {
          if (sent) yield false;
          return;
        }
        if (!pending) await new Promise<void>((resolve) => (wake = resolve));
        pending = false;
        if (signal.aborted) return;
        const now = this.latest ?? sent;
        if (!this.closed && now !== sent) {
          sent = now;
          yield now;
        }
      }
    } finally {
      signal.removeEventListener("abort", watcher);
      this.watchers.delete(watcher);
    }
  }

  /** Resolves once the signal aborts or the server closes: a watch of a service that is not served. */
  async untilDone(signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.onClose.delete(done);
        resolve();
      };
      this.onClose.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  private poll(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(async () => {
      const now = await this.serving();
      this.timer = undefined;
      if (this.closed || this.watchers.size === 0) return;
      // Every watcher is woken, not only on a change: each compares with what it last sent.
      this.latest = now;
      for (const wake of this.watchers) wake();
      this.poll();
    }, this.pollMs);
    this.timer.unref?.();
  }
}

/**
 * grpc.health.v1.Health, for the server as a whole (the empty name) and for each service it
 * serves — all follow the process's readiness, since one dependency down fails them together.
 * Kubernetes' gRPC probes, grpc_health_probe and gRPC load balancers ask through it.
 */
export function serveHealth(
  router: ConnectRouter,
  readiness: Readiness,
  services: readonly DescService[],
  interceptors: Interceptor[],
): void {
  const known = new Set(["", ...services.map((s) => s.typeName)]);
  const statusOf = (serving: boolean) => (serving ? Status.SERVING : Status.NOT_SERVING);
  router.service(
    Health,
    {
      async check(req) {
        if (!known.has(req.service)) {
          throw new ConnectError(`service "${req.service}" is not served here`, Code.NotFound);
        }
        return { status: statusOf(await readiness.serving()) };
      },
      async list() {
        const status = statusOf(await readiness.serving());
        return { statuses: Object.fromEntries([...known].map((name) => [name, { status }])) };
      },
      async *watch(req, ctx) {
        if (!known.has(req.service)) {
          // The protocol keeps the stream open: the service might appear later (here it never does).
          yield { status: Status.SERVICE_UNKNOWN };
          await readiness.untilDone(ctx.signal);
          return;
        }
        for await (const serving of readiness.watch(ctx.signal)) yield { status: statusOf(serving) };
      },
    },
    { interceptors },
  );
}

/** The health service itself, for the list a server reflects. */
export const HealthService: DescService = Health;
