// Routing configs of one org: every save is a new immutable version and moves
// `current_version`; a rollback is a save of an old version's config. The config tables' NOTIFY
// trigger wakes the snapshot publisher, so callers do nothing more.
import { and, eq, isNull, sql } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { notFound } from "../../api/errors.ts";
import { iso, isoRequired, listPage, pageQuery, toPage } from "../../api/schemas.ts";
import type { Database } from "../../db/client.ts";
import {
  type RoutingConfigRow,
  type RoutingConfigVersionRow,
  routingConfigs,
  routingConfigVersions,
} from "../../db/schema/index.ts";
import type { RoutingConfigView } from "./model.ts";

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

export async function getRoutingConfig(db: Database, orgId: string, configId: string) {
  const [row] = await db
    .select()
    .from(routingConfigs)
    .where(
      and(
        eq(routingConfigs.org_id, orgId),
        eq(routingConfigs.id, configId),
        isNull(routingConfigs.deleted_at),
      ),
    );
  if (!row) throw notFound("routing_config", configId);
  return row;
}

export async function getVersion(db: Database, head: RoutingConfigRow, version: number) {
  const [row] = await db
    .select()
    .from(routingConfigVersions)
    .where(
      and(
        eq(routingConfigVersions.routing_config_id, head.id),
        eq(routingConfigVersions.version, version),
      ),
    );
  if (!row) throw notFound("routing_config_version", `${head.id}@${version}`);
  return row;
}

/** The current config of every live routing config in a project, by slug. */
export async function currentConfigsOfProject(db: Database, projectId: string) {
  const rows = await db
    .select({ slug: routingConfigs.slug, config: routingConfigVersions.config })
    .from(routingConfigs)
    .innerJoin(
      routingConfigVersions,
      and(
        eq(routingConfigVersions.routing_config_id, routingConfigs.id),
        eq(routingConfigVersions.version, routingConfigs.current_version),
      ),
    )
    .where(and(eq(routingConfigs.project_id, projectId), isNull(routingConfigs.deleted_at)));
  return new Map(rows.map((row) => [row.slug, row.config]));
}

/** The head of a slug in a project, deleted or not (a re-save revives a deleted one). */
export async function findAnyRoutingConfig(db: Database, projectId: string, slug: string) {
  const [row] = await db
    .select()
    .from(routingConfigs)
    .where(and(eq(routingConfigs.project_id, projectId), eq(routingConfigs.slug, slug)));
  return row ?? null;
}

export async function listRoutingConfigs(
  db: Database,
  orgId: string,
  query: { limit?: number; cursor?: string; project_id?: string; slug?: string },
) {
  const page = pageQuery(
    routingConfigs.id,
    query,
    eq(routingConfigs.org_id, orgId),
    isNull(routingConfigs.deleted_at),
    query.project_id ? eq(routingConfigs.project_id, query.project_id) : undefined,
    query.slug ? eq(routingConfigs.slug, query.slug) : undefined,
  );
  const rows = await db
    .select({ head: routingConfigs, version: routingConfigVersions })
    .from(routingConfigs)
    .innerJoin(
      routingConfigVersions,
      and(
        eq(routingConfigVersions.routing_config_id, routingConfigs.id),
        eq(routingConfigVersions.version, routingConfigs.current_version),
      ),
    )
    .where(page.where)
    .orderBy(page.orderBy)
    .limit(page.fetch);
  return toPage(
    rows.map((row) => ({ ...row, id: row.head.id })),
    page.limit,
    (row) => viewRoutingConfig(row.head, row.version),
  );
}

export async function listVersions(
  db: Database,
  head: RoutingConfigRow,
  query: { limit?: number; cursor?: string },
) {
  return listPage(
    db,
    routingConfigVersions,
    query,
    [eq(routingConfigVersions.routing_config_id, head.id)],
    viewVersion,
  );
}

export async function softDeleteRoutingConfig(db: Database, head: RoutingConfigRow) {
  const [row] = await db
    .update(routingConfigs)
    .set({ deleted_at: new Date(), updated_at: new Date() })
    .where(eq(routingConfigs.id, head.id))
    .returning();
  if (!row) throw notFound("routing_config", head.id);
  return row;
}

export async function setDescription(
  db: Database,
  head: RoutingConfigRow,
  description: string | null,
) {
  await db
    .update(routingConfigs)
    .set({ description, updated_at: new Date() })
    .where(eq(routingConfigs.id, head.id));
}

export const viewRoutingConfig = (
  head: RoutingConfigRow,
  version: RoutingConfigVersionRow,
): RoutingConfigView => ({
  id: head.id,
  project_id: head.project_id,
  slug: head.slug,
  description: head.description,
  current_version: head.current_version,
  config: version.config,
  deleted_at: iso(head.deleted_at),
  created_at: isoRequired(head.created_at),
  updated_at: isoRequired(head.updated_at),
});

export const viewVersion = (row: RoutingConfigVersionRow) => ({
  id: row.id,
  routing_config_id: row.routing_config_id,
  version: row.version,
  config: row.config,
  message: row.message,
  created_by: row.created_by,
  created_at: isoRequired(row.created_at),
});
