// Routing configs looked up by project alone, for the experiment runner (controlplane/experiments),
// which works from an experiment row it already holds and passes that row's project. Module code
// uses the tenant-scoped `findConfigHead` in service.ts instead.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { routingConfigs } from "../../db/schema/index.ts";

/** The live head of a slug in a project. */
export async function findRoutingConfig(db: Database, projectId: string, slug: string) {
  const [row] = await db
    .select()
    .from(routingConfigs)
    .where(
      and(
        eq(routingConfigs.project_id, projectId),
        eq(routingConfigs.slug, slug),
        isNull(routingConfigs.deleted_at),
      ),
    );
  return row ?? null;
}

/** The head of a slug in a project, deleted or not (a re-save revives a deleted one). */
export async function findAnyRoutingConfig(db: Database, projectId: string, slug: string) {
  const [row] = await db
    .select()
    .from(routingConfigs)
    .where(and(eq(routingConfigs.project_id, projectId), eq(routingConfigs.slug, slug)));
  return row ?? null;
}
