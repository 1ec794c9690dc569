// `bun run migrate`: applies sql/postgres to DATABASE_URL.
import { migrateSchema, readSettingsOrExit } from "#shared/env/settings.ts";
import { openPostgres } from "./client.ts";

const settings = readSettingsOrExit(migrateSchema);
const database = openPostgres(settings.DATABASE_URL, { max: 1 });
try {
  await database.migrate();
  console.log(`modelux: migrations applied to ${redactUrl(settings.DATABASE_URL)}`);
} catch (error) {
  console.error(`modelux: migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await database.close();
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
