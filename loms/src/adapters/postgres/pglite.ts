import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "@route256/platform/logger";

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
  // Port 0: the OS gives a free port as the server binds it (no pick-then-bind race); start() records
  // the port it got, and getServerConn() says "127.0.0.1:<port>".
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const address = server.getServerConn();
  logger.info(
    { dir, address, ms: Math.round(performance.now() - started) },
    "embedded PostgreSQL (PGlite) started",
  );
  return {
    url: `postgres://postgres@${address}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
