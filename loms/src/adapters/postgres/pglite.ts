import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "@route256/platform/logger";
import { freePort } from "@route256/testkit/ports";

export interface EmbeddedPostgres {
  /** postgres:// URL of the socket server; it takes ONE connection at a time. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL compiled to WASM (PGlite) behind its socket server, so postgres.js and the generated
 * queries run unchanged with no database server installed (`just dev`). Data lives in `dir` and
 * survives restarts. The server is single-connection: clients must use a pool of exactly one
 * (more mixes up results — measured while choosing this design).
 */
export async function startEmbeddedPostgres(dir: string, logger: Logger): Promise<EmbeddedPostgres> {
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const db = await PGlite.create(dir);
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 1 });
  await server.start();
  logger.info(
    { dir, port, ms: Math.round(performance.now() - started) },
    "embedded PostgreSQL (PGlite) started",
  );
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
