import { dirname, join } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { openapi } from "@elysiajs/openapi";
import { Elysia, t } from "elysia";
import { DomainError } from "../errors/domain-error.ts";
import { connectOpenApi } from "../openapi/connect-paths.ts";

export interface DocsOptions {
  title: string;
  description: string;
  version: string;
  /** Connect services to document next to the REST routes. */
  services: readonly DescService[];
  /** Comments from the .proto files (proto/gen/docs.ts). */
  protoDocs: Readonly<Record<string, string>>;
  /** Request bodies that work, by request message type name, to pre-fill "Try it out". */
  examples?: Readonly<Record<string, unknown>>;
  /** Extra OpenAPI (security schemes, tags) merged into the document. */
  documentation?: { components?: Record<string, unknown>; security?: Record<string, string[]>[] };
}

// Swagger UI is served from the swagger-ui-dist package: the docs work offline.
const SWAGGER_DIST = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const ASSET = /^[\w.-]+\.(js|css|png|map)$/;

/**
 * /openapi.json (OpenAPI 3.1: Elysia's REST routes plus the Connect endpoints built from the
 * descriptors) and Swagger UI at /docs. @elysiajs/openapi is used rather than @elysiajs/swagger:
 * swagger 1.3 answered 404 through app.handle (our bridge) and only emits OpenAPI 3.0.
 */
export function docsRoutes(opts: DocsOptions) {
  const connect = connectOpenApi(opts.services, opts.protoDocs, opts.examples);
  return new Elysia({ name: "docs" })
    .onAfterHandle(({ path, response }) => {
      if (path === "/openapi.json") withBodylessResponsesFixed(response as OpenApiDocument);
    })
    .use(
      openapi({
        path: "/docs",
        specPath: "/openapi.json",
        provider: "swagger-ui",
        swagger: {
          url: "/openapi.json",
          cdn: "/docs/assets/swagger-ui-bundle.js",
          theme: "/docs/assets/swagger-ui.css",
        } as Record<string, string>,
        documentation: {
          info: { title: opts.title, description: opts.description, version: opts.version },
          paths: connect.paths,
          ...(opts.documentation?.security ? { security: opts.documentation.security } : {}),
          components: { ...opts.documentation?.components, schemas: connect.schemas },
        } as Record<string, unknown>,
        // Connect paths contain dots and would otherwise be dropped as "static files".
        exclude: { paths: [/^\/docs/], staticFile: false },
      }),
    )
    .get(
      "/docs/assets/:file",
      async ({ params }) => {
        // Name check first: only plain file names reach the file system (no "..", no NUL bytes).
        if (!ASSET.test(params.file)) throw new DomainError("not_found", "no such asset");
        const file = Bun.file(join(SWAGGER_DIST, params.file));
        if (!(await file.exists())) throw new DomainError("not_found", "no such asset");
        return file;
      },
      { params: t.Object({ file: t.String() }), detail: { hide: true } },
    );
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
  >;
}

/**
 * @elysiajs/openapi writes a bodiless response (a 204 declared as t.Void / t.Null) as
 * `content: {"type": "void", ...}`, which is not a map of media types: OpenAPI tools reject the
 * document (schemathesis crashes on it). Such a response has no content at all. Fixed in place
 * (the plugin caches the document; fixing it twice changes nothing).
 */
function withBodylessResponsesFixed(doc: OpenApiDocument): void {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        const content = response.content;
        if (content && Object.values(content).some((media) => typeof media !== "object"))
          delete response.content;
      }
    }
  }
}
