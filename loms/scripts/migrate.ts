// `just migrate`: applies sql/migrations to every primary LOMS is configured for (LOMS_PG_PRIMARIES),
// exactly as LOMS does on start. Prints what it applied.
import { createLogger } from "@route256/platform/logger";
import { connectPostgres } from "../src/adapters/postgres/connect.ts";
import { migrate } from "../src/adapters/postgres/migrate.ts";
import { loadLomsConfig } from "../src/config.ts";

const config = loadLomsConfig();
const logger = createLogger("migrate", "info");
for (const { primary } of config.postgres.shards) {
  const sql = connectPostgres(primary, { max: 1, prepare: true });
  try {
    const applied = await migrate(sql, logger);
    console.log(`${primary}: ${applied.length === 0 ? "up to date" : `applied ${applied.join(", ")}`}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
