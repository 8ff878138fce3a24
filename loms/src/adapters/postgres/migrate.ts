import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@route256/platform/logger";
import type { Sql } from "./connect.ts";

export const MIGRATIONS_DIR = new URL("../../../../sql/migrations", import.meta.url).pathname;

export interface Migration {
  /** The file name's leading number, as dbmate records it. */
  version: string;
  name: string;
  up: string;
}

/** dbmate's file format: `<version>_<name>.sql` with `-- migrate:up` and `-- migrate:down` sections. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const up = /--\s*migrate:up\b([\s\S]*?)(?:--\s*migrate:down\b|$)/.exec(text)?.[1]?.trim();
      if (!up) throw new Error(`migration ${file}: no "-- migrate:up" section`);
      return { version: file.split("_")[0] as string, name: file, up };
    });
}

// Any fixed number: several LOMS instances starting together must not migrate at the same time.
const MIGRATION_LOCK = 1_000_256_001;

/**
 * Applies the migrations a database does not have yet, all in one transaction (all or nothing) under
 * an advisory lock, recording them in dbmate's own table (schema_migrations), so `dbmate` and LOMS
 * agree on what is applied.
 * Returns the versions it applied.
 */
export async function migrate(sql: Sql, logger: Logger, migrations = readMigrations()): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)`;
    const done = new Set((await tx`SELECT version FROM schema_migrations`).map((r) => String(r.version)));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.up);
      await tx`INSERT INTO schema_migrations (version) VALUES (${m.version})`;
      applied.push(m.version);
      logger.info({ migration: m.name }, "migration applied");
    }
    return applied;
  });
}
