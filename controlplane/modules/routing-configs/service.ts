// Routing configs of one org: every save is a new immutable version and moves
// `current_version`; a rollback is a save of an old version's config. The config tables' NOTIFY
// trigger wakes the snapshot publisher, so callers do nothing more.
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
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
import { scoped, type Tenant } from "../../db/tenant.ts";
import type { RoutingConfigView } from "./model.ts";

// The experiment runner looks configs up by project (controlplane/experiments).
export { findAnyRoutingConfig, findRoutingConfig } from "./project-lookups.ts";

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

/** A version row is its head's current one: the join every "current config" read uses. */
export const isCurrentVersion = and(
  eq(routingConfigVersions.routing_config_id, routingConfigs.id),
  eq(routingConfigVersions.version, routingConfigs.current_version),
) as SQL;

/** Creates the config, or adds a version to the existing one of that slug (seed, tests). */
export function saveRoutingConfig(
  db: Database,
  input: SaveRoutingConfig,
): Promise<SavedRoutingConfig> {
  return saveConfigVersion(scoped(db, input.orgId), input);
}

/** Creates the config, or adds a version to the org's existing one of that slug. */
export async function saveConfigVersion(
  outer: Tenant,
  input: Omit<SaveRoutingConfig, "orgId">,
): Promise<SavedRoutingConfig> {
  return outer.db.transaction(async (transaction) => {
    const tenant = scoped(transaction, outer.orgId);
    const [existing] = await transaction
      .select()
      .from(routingConfigs)
      .where(
        tenant.where(
          routingConfigs,
          eq(routingConfigs.project_id, input.projectId),
          eq(routingConfigs.slug, input.slug),
        ),
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
      await tenant.insert(routingConfigs, {
        id,
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
      await tenant.update(routingConfigs, id, {
        current_version: version,
        deleted_at: null,
        updated_at: new Date(),
      });
    }
    return { id, slug: input.slug, version };
  });
}

/** The head of a slug in one of the org's projects, live only or deleted too. */
export async function findConfigHead(
  tenant: Tenant,
  projectId: string,
  slug: string,
  options: { includeDeleted?: boolean } = {},
) {
  const [row] = await tenant.rows(
    routingConfigs,
    eq(routingConfigs.project_id, projectId),
    eq(routingConfigs.slug, slug),
    options.includeDeleted ? undefined : isNull(routingConfigs.deleted_at),
  );
  return row ?? null;
}

export async function getRoutingConfig(tenant: Tenant, configId: string) {
  const row = await tenant.find(routingConfigs, configId, isNull(routingConfigs.deleted_at));
  if (!row) throw notFound("routing_config", configId);
  return row;
}

/** One version of a head the caller already holds (found through the tenant). */
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

/** The current config of each of the org's live routing configs matching the filters. */
export async function currentConfigs(tenant: Tenant, ...filters: Array<SQL | undefined>) {
  return tenant.db
    .select({ slug: routingConfigs.slug, config: routingConfigVersions.config })
    .from(routingConfigs)
    .innerJoin(routingConfigVersions, isCurrentVersion)
    .where(tenant.where(routingConfigs, isNull(routingConfigs.deleted_at), ...filters));
}

/** The current config of every live routing config in a project, by slug. */
export async function currentConfigsOfProject(tenant: Tenant, projectId: string) {
  const rows = await currentConfigs(tenant, eq(routingConfigs.project_id, projectId));
  return new Map(rows.map((row) => [row.slug, row.config]));
}

export async function listRoutingConfigs(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; project_id?: string; slug?: string },
) {
  const page = pageQuery(
    routingConfigs.id,
    query,
    isNull(routingConfigs.deleted_at),
    query.project_id ? eq(routingConfigs.project_id, query.project_id) : undefined,
    query.slug ? eq(routingConfigs.slug, query.slug) : undefined,
  );
  const rows = await tenant.db
    .select({ head: routingConfigs, version: routingConfigVersions })
    .from(routingConfigs)
    .innerJoin(routingConfigVersions, isCurrentVersion)
    .where(tenant.where(routingConfigs, page.where))
    .orderBy(page.orderBy)
    .limit(page.fetch);
  return toPage(
    rows.map((row) => ({ ...row, id: row.head.id })),
    page.limit,
    (row) => viewRoutingConfig(row.head, row.version),
  );
}

export async function listVersions(
  tenant: Tenant,
  head: RoutingConfigRow,
  query: { limit?: number; cursor?: string },
) {
  return listPage(
    tenant.db,
    routingConfigVersions,
    query,
    [eq(routingConfigVersions.routing_config_id, head.id)],
    viewVersion,
  );
}

export async function softDeleteRoutingConfig(tenant: Tenant, head: RoutingConfigRow) {
  const row = await tenant.update(routingConfigs, head.id, {
    deleted_at: new Date(),
    updated_at: new Date(),
  });
  if (!row) throw notFound("routing_config", head.id);
  return row;
}

export async function setDescription(
  tenant: Tenant,
  head: RoutingConfigRow,
  description: string | null,
) {
  await tenant.update(routingConfigs, head.id, { description, updated_at: new Date() });
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
