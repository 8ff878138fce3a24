import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { scrape } from "./workers.ts";

export interface OpsOptions {
  registry: Registry;
  /** True while the process should get traffic: dependencies reachable and not draining. */
  ready: () => boolean | Promise<boolean>;
}

const json = (description: string) =>
  ({
    description,
    content: {
      "application/json": { schema: { type: "object", properties: { status: { type: "string" } } } },
    },
  }) as const;

/** Liveness, readiness and Prometheus metrics: what orchestrators and scrapers ask for. */
export function opsRoutes(opts: OpsOptions) {
  return new Elysia({ name: "ops" })
    .get("/healthz", () => ({ status: "ok" }), {
      detail: { tags: ["ops"], summary: "The process is alive", responses: { "200": json("alive") } },
    })
    .get(
      "/readyz",
      async ({ status }) =>
        (await opts.ready()) ? { status: "ready" } : status(503, { status: "not ready" }),
      {
        detail: {
          tags: ["ops"],
          summary: "The process takes traffic (503 while starting or draining)",
          responses: { "200": json("ready"), "503": json("not ready: a dependency is down, or draining") },
        },
      },
    )
    .get(
      "/metrics",
      async () =>
        new Response(await scrape(opts.registry), {
          headers: { "content-type": opts.registry.contentType },
        }),
      {
        detail: {
          tags: ["ops"],
          summary: "Prometheus metrics",
          responses: {
            "200": {
              description: "Prometheus text format",
              content: { "text/plain": { schema: { type: "string" } } },
            },
          },
        },
      },
    );
}
