// Opens the control plane's database: Postgres in a fleet, PGlite in the embedded default.
// Both run the same drizzle migrations and hand back the same `Database` type.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_FOLDER = join(import.meta.dir, "../../sql/postgres");
export const CONFIG_CHANGED_CHANNEL = "modelux_config_changed";

export interface DatabaseHandle {
  readonly kind: "postgres" | "pglite";
  readonly db: Database;
  migrate(): Promise<void>;
  /** Calls `onNotify` for each NOTIFY on `channel`; resolves once listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function openPostgres(url: string, options: { max?: number } = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
  });
  const db = drizzlePostgres({ client, schema });
  return {
    kind: "postgres",
    db,
    migrate: () => migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    async listen(channel, onNotify) {
      const { unlisten } = await client.listen(channel, onNotify);
      return unlisten;
    },
    ping: () => pingDatabase(db),
    close: () => client.end({ timeout: 5 }),
  };
}

/** PGlite in `directory`, or in memory when `directory` is undefined (tests). */
export async function openPglite(directory?: string): Promise<DatabaseHandle> {
  if (directory) mkdirSync(dirname(directory), { recursive: true });
  const client = directory ? new PGlite(directory) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite({ client, schema });
  return {
    kind: "pglite",
    db,
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, onNotify);
      return () => unlisten();
    },
    ping: () => pingDatabase(db),
    close: () => client.close(),
  };
}

async function pingDatabase(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
