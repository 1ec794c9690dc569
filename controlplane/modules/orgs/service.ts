// Reads and renames the caller's own org; a management key never sees another.
import { eq } from "drizzle-orm";
import { notFound } from "../../api/errors.ts";
import { isoRequired } from "../../api/schemas.ts";
import type { Database } from "../../db/client.ts";
import { type OrgRow, orgs } from "../../db/schema/index.ts";
import type { OrgView } from "./model.ts";

export const viewOrg = (row: OrgRow): OrgView => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

export async function getOrg(db: Database, orgId: string): Promise<OrgRow> {
  const [row] = await db.select().from(orgs).where(eq(orgs.id, orgId));
  if (!row) throw notFound("org", orgId);
  return row;
}

export async function renameOrg(db: Database, orgId: string, name: string): Promise<OrgRow> {
  const [row] = await db
    .update(orgs)
    .set({ name, updated_at: new Date() })
    .where(eq(orgs.id, orgId))
    .returning();
  if (!row) throw notFound("org", orgId);
  return row;
}
