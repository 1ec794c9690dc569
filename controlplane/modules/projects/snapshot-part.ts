// Projects' part of the config snapshot: every org's, ordered by id.
import { asc } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { projects } from "../../db/schema/index.ts";

export async function projectsSnapshotPart(db: Database): Promise<SnapshotBody["projects"]> {
  const rows = await db.select().from(projects).orderBy(asc(projects.id));
  return rows.map((row) => ({
    id: row.id,
    org_id: row.org_id,
    slug: row.slug,
    settings: row.settings,
  }));
}
