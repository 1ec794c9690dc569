// Reads and renames the caller's own org; a management key never sees another.
import { notFound } from "../../api/errors.ts";
import { isoRequired } from "../../api/schemas.ts";
import type { OrgRow } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import type { OrgView } from "./model.ts";

export const viewOrg = (row: OrgRow): OrgView => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

export async function getOrg(tenant: Tenant): Promise<OrgRow> {
  const row = await tenant.org();
  if (!row) throw notFound("org", tenant.orgId);
  return row;
}

export async function renameOrg(tenant: Tenant, name: string): Promise<OrgRow> {
  const row = await tenant.updateOrg({ name, updated_at: new Date() });
  if (!row) throw notFound("org", tenant.orgId);
  return row;
}
