// Providers' part of the config snapshot: every org's active providers, credentials still
// sealed (the data planes hold the key that opens them).
import { asc, eq } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { providers } from "../../db/schema/index.ts";

export async function providersSnapshotPart(db: Database): Promise<SnapshotBody["providers"]> {
  const rows = await db
    .select()
    .from(providers)
    .where(eq(providers.status, "active"))
    .orderBy(asc(providers.id));
  return rows.map((row) => ({
    id: row.id,
    org_id: row.org_id,
    name: row.name,
    vendor: row.vendor,
    base_url: row.base_url,
    credential: row.credential_ciphertext,
    options: row.options,
  }));
}
