import { Elysia } from "elysia";
import type { Registry } from "prom-client";

export interface OpsOptions {
  registry: Registry;
  /** True while the process should get traffic: dependencies reachable and not draining. */
  ready: () => boolean | Promise<boolean>;
}

/** Liveness, readiness and Prometheus metrics: what orchestrators and scrapers ask for. */
export function opsRoutes(opts: OpsOptions) {
  return new Elysia({ name: "ops" })
    .get("/healthz", () => ({ status: "ok" }), { detail: { tags: ["ops"], summary: "The process is alive" } })
    .get(
      "/readyz",
      async ({ status }) =>
        (await opts.ready()) ? { status: "ready" } : status(503, { status: "not ready" }),
      { detail: { tags: ["ops"], summary: "The process takes traffic (503 while starting or draining)" } },
    )
    .get(
      "/metrics",
      async () =>
        new Response(await opts.registry.metrics(), {
          headers: { "content-type": opts.registry.contentType },
        }),
      { detail: { tags: ["ops"], summary: "Prometheus metrics" } },
    );
}
