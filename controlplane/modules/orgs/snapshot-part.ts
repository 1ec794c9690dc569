// The orgs' part of the config snapshot (publisher/compile-snapshot.ts composes the parts).
// Snapshot parts read every org: the snapshot is the whole fleet's, not one caller's.
import { asc } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { orgs } from "../../db/schema/index.ts";

export async function orgsSnapshotPart(db: Database): Promise<SnapshotBody["orgs"]> {
  const rows = await db.select().from(orgs).orderBy(asc(orgs.id));
  return rows.map((row) => ({ id: row.id, slug: row.slug, name: row.name }));
}
