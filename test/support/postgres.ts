// A throwaway Postgres database per test file, migrated with the real migrations.
import postgres from "postgres";
import { type DatabaseHandle, openPostgres } from "../../controlplane/db/client.ts";
import { adminDatabaseUrl } from "./services.ts";

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `modelux_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  const handle = openPostgres(url.toString(), { max: 4 });
  if (options.migrate !== false) await handle.migrate();
  return {
    url: url.toString(),
    handle,
    async drop() {
      await handle.close().catch(() => {});
      const cleanup = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}
