// Secret keys of both kinds, proxy (`mlx_sk_…`, api_keys) and management (`mlx_mk_…`,
// management_keys), made, stored, found and shown one way: the secret is returned once, only its
// SHA-256 and a display prefix are stored, and a key is found by that hash.
import { and, eq, isNull } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { hashKey, keyDisplayPrefix, newSecretKey } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import type { ApiKeyRow, apiKeys, ManagementKeyRow, managementKeys } from "../db/schema/index.ts";
import type { Tenant } from "../db/tenant.ts";
import { iso, isoRequired } from "./schemas.ts";

export type SecretKeyKind = "proxy" | "management";

/** How a key of each kind starts (shared/ids `newSecretKey` writes it). */
export const SECRET_KEY_PREFIX: Record<SecretKeyKind, string> = {
  proxy: "mlx_sk_",
  management: "mlx_mk_",
};

type KeyTable = typeof apiKeys | typeof managementKeys;
type KeyRow = ApiKeyRow | ManagementKeyRow;
type KeyState = Pick<KeyRow, "revoked_at" | "expires_at">;

/**
 * A key to hand out once, and the columns stored for it. `wanted` keeps a key chosen elsewhere
 * (the dev seed's pinned or remembered keys); otherwise a new random one is made.
 */
export function issueSecretKey(kind: SecretKeyKind, wanted?: string) {
  const key = wanted ?? newSecretKey(kind);
  return { key, stored: { key_hash: hashKey(key), key_prefix: keyDisplayPrefix(key) } };
}

/** The bearer token of an Authorization header, or null. */
export const bearerToken = (authorization: string | null): string | null =>
  authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;

export const isKeyOfKind = (token: string, kind: SecretKeyKind): boolean =>
  token.startsWith(SECRET_KEY_PREFIX[kind]);

/** The key row whose secret this is, in any org (callers check revocation and expiry). */
export async function findKeyBySecret<T extends KeyTable>(
  db: Database,
  table: T,
  key: string,
  options: { liveOnly?: boolean } = {},
): Promise<T["$inferSelect"] | undefined> {
  const [row] = await db
    .select()
    .from(table as typeof apiKeys)
    .where(
      and(
        eq(table.key_hash, hashKey(key)),
        options.liveOnly ? isNull(table.revoked_at) : undefined,
      ),
    );
  return row as T["$inferSelect"] | undefined;
}

/** The lookup condition on a key table's hash column (for queries that join the key row). */
export const keyHashIs = (column: PgColumn, key: string) => eq(column, hashKey(key));

export function keyStatus(row: KeyState, now = new Date()) {
  if (row.revoked_at) return "revoked" as const;
  if (row.expires_at && row.expires_at <= now) return "expired" as const;
  return "active" as const;
}

/** What a listing shows of a key of either kind (never its hash). */
export const viewKeyState = (row: KeyRow) => ({
  prefix: row.key_prefix,
  status: keyStatus(row),
  rpm_limit: row.rpm_limit,
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  last_used_at: iso(row.last_used_at),
  created_at: isoRequired(row.created_at),
});

/** Lists leave revoked keys out unless asked for them. */
export const revokedFilter = (table: KeyTable, includeRevoked: boolean | undefined) =>
  includeRevoked ? undefined : isNull(table.revoked_at);

/** Revokes one of the org's keys; a revoked key is returned as it is. */
export async function revokeKey<T extends KeyTable>(
  tenant: Tenant,
  table: T,
  existing: T["$inferSelect"],
): Promise<T["$inferSelect"] | undefined> {
  if (existing.revoked_at) return existing;
  return tenant.update(table, existing.id, { revoked_at: new Date() } as never);
}
