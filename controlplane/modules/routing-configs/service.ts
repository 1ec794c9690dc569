// Routing config writes: every save is a new immutable version and moves `current_version`.
// The config tables' NOTIFY trigger wakes the snapshot publisher, so callers do nothing more.
import { and, eq, isNull, sql } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import type { Database } from "../../db/client.ts";
import { routingConfigs, routingConfigVersions } from "../../db/schema/index.ts";

export interface SaveRoutingConfig {
  orgId: string;
  projectId: string;
  slug: string;
  config: Record<string, unknown>;
  description?: string;
  message?: string;
  createdBy?: string;
}

export interface SavedRoutingConfig {
  id: string;
  slug: string;
  version: number;
}

/** Creates the config, or adds a version to the existing one of that slug. */
export async function saveRoutingConfig(
  db: Database,
  input: SaveRoutingConfig,
): Promise<SavedRoutingConfig> {
  return db.transaction(async (transaction) => {
    const [existing] = await transaction
      .select()
      .from(routingConfigs)
      .where(
        and(eq(routingConfigs.project_id, input.projectId), eq(routingConfigs.slug, input.slug)),
      )
      .for("update");
    let id: string;
    let version: number;
    if (existing) {
      id = existing.id;
      const [latest] = await transaction
        .select({ max: sql<number>`coalesce(max(${routingConfigVersions.version}), 0)` })
        .from(routingConfigVersions)
        .where(eq(routingConfigVersions.routing_config_id, id));
      version = Number(latest?.max ?? 0) + 1;
    } else {
      id = newId("routingConfig");
      version = 1;
      await transaction.insert(routingConfigs).values({
        id,
        org_id: input.orgId,
        project_id: input.projectId,
        slug: input.slug,
        description: input.description ?? null,
        current_version: version,
      });
    }
    await transaction.insert(routingConfigVersions).values({
      id: newId("routingConfigVersion"),
      routing_config_id: id,
      version,
      config: input.config,
      message: input.message ?? null,
      created_by: input.createdBy ?? null,
    });
    if (existing) {
      await transaction
        .update(routingConfigs)
        .set({ current_version: version, deleted_at: null, updated_at: new Date() })
        .where(eq(routingConfigs.id, id));
    }
    return { id, slug: input.slug, version };
  });
}

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
