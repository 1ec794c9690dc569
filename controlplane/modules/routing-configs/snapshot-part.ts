// Routing configs' part of the config snapshot: every org's live configs at their current
// version (the same join as the module's reads, `isCurrentVersion`).
import { asc, isNull } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { routingConfigs, routingConfigVersions } from "../../db/schema/index.ts";
import { isCurrentVersion } from "./service.ts";

export async function routingConfigsSnapshotPart(
  db: Database,
): Promise<SnapshotBody["routing_configs"]> {
  const rows = await db
    .select({ head: routingConfigs, version: routingConfigVersions })
    .from(routingConfigs)
    .innerJoin(routingConfigVersions, isCurrentVersion)
    .where(isNull(routingConfigs.deleted_at))
    .orderBy(asc(routingConfigs.id));
  return rows.map(({ head, version }) => ({
    id: head.id,
    org_id: head.org_id,
    project_id: head.project_id,
    slug: head.slug,
    version: version.version,
    config: version.config,
  }));
}
