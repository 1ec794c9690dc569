// Proxy keys' part of the config snapshot: every org's, by hash only. Revoked keys leave the
// snapshot; expired ones stay so the data plane can say "expired".
import { asc, isNull } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { apiKeys } from "../../db/schema/index.ts";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export async function apiKeysSnapshotPart(db: Database): Promise<SnapshotBody["api_keys"]> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(isNull(apiKeys.revoked_at))
    .orderBy(asc(apiKeys.id));
  return rows.map((row) => ({
    id: row.id,
    org_id: row.org_id,
    project_id: row.project_id,
    name: row.name,
    key_hash: row.key_hash,
    rpm_limit: row.rpm_limit,
    tpm_limit: row.tpm_limit,
    expires_at: iso(row.expires_at),
  }));
}
