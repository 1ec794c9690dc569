// Reads the org's audit log (written by api/audit.ts), filterable and paged newest first.
import { eq, gte, lt } from "drizzle-orm";
import type * as v from "valibot";
import { notFound } from "../../api/errors.ts";
import { isoRequired } from "../../api/schemas.ts";
import { type AuditLogRow, auditLog } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import type { listAuditQuery } from "./model.ts";

export const viewAuditEntry = (row: AuditLogRow) => ({
  id: row.id,
  actor: { type: row.actor_type, id: row.actor_id },
  action: row.action,
  resource_type: row.resource_type,
  resource_id: row.resource_id,
  before: row.before ?? null,
  after: row.after ?? null,
  request_id: row.request_id,
  created_at: isoRequired(row.created_at),
});

export async function listAuditEntries(
  tenant: Tenant,
  query: v.InferOutput<typeof listAuditQuery>,
) {
  return tenant.page(
    auditLog,
    query,
    [
      query.action ? eq(auditLog.action, query.action) : undefined,
      query.resource_type ? eq(auditLog.resource_type, query.resource_type) : undefined,
      query.resource_id ? eq(auditLog.resource_id, query.resource_id) : undefined,
      query.actor_id ? eq(auditLog.actor_id, query.actor_id) : undefined,
      query.since ? gte(auditLog.created_at, new Date(query.since)) : undefined,
      query.until ? lt(auditLog.created_at, new Date(query.until)) : undefined,
    ],
    viewAuditEntry,
  );
}

export async function getAuditEntry(tenant: Tenant, entryId: string) {
  const row = await tenant.find(auditLog, entryId);
  if (!row) throw notFound("audit_entry", entryId);
  return row;
}
