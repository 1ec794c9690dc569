// Reads what the data planes need from Postgres into a snapshot body. Ordered by id so equal
// content always serialises, and hashes, the same.
import { and, asc, eq, isNull } from "drizzle-orm";
import { perMillionToPerToken } from "#shared/pricing/units.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../db/client.ts";
import {
  apiKeys,
  budgets,
  orgs,
  priceOverrides,
  projects,
  providers,
  routingConfigs,
  routingConfigVersions,
} from "../db/schema/index.ts";

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const nullableRate = (perMillion: number | null) =>
  perMillion === null ? null : perMillionToPerToken(perMillion);

export async function compileSnapshotBody(db: Database): Promise<SnapshotBody> {
  const [orgRows, projectRows, keyRows, providerRows, configRows, budgetRows, priceRows] =
    await Promise.all([
      db.select().from(orgs).orderBy(asc(orgs.id)),
      db.select().from(projects).orderBy(asc(projects.id)),
      // Revoked keys leave the snapshot; expired ones stay so the data plane can say "expired".
      db.select().from(apiKeys).where(isNull(apiKeys.revoked_at)).orderBy(asc(apiKeys.id)),
      db.select().from(providers).where(eq(providers.status, "active")).orderBy(asc(providers.id)),
      db
        .select({ head: routingConfigs, version: routingConfigVersions })
        .from(routingConfigs)
        .innerJoin(
          routingConfigVersions,
          and(
            eq(routingConfigVersions.routing_config_id, routingConfigs.id),
            eq(routingConfigVersions.version, routingConfigs.current_version),
          ),
        )
        .where(isNull(routingConfigs.deleted_at))
        .orderBy(asc(routingConfigs.id)),
      db.select().from(budgets).where(eq(budgets.enabled, true)).orderBy(asc(budgets.id)),
      db.select().from(priceOverrides).orderBy(asc(priceOverrides.id)),
    ]);

  return {
    orgs: orgRows.map((row) => ({ id: row.id, slug: row.slug, name: row.name })),
    projects: projectRows.map((row) => ({
      id: row.id,
      org_id: row.org_id,
      slug: row.slug,
      settings: row.settings,
    })),
    api_keys: keyRows.map((row) => ({
      id: row.id,
      org_id: row.org_id,
      project_id: row.project_id,
      name: row.name,
      key_hash: row.key_hash,
      rpm_limit: row.rpm_limit,
      expires_at: iso(row.expires_at),
    })),
    providers: providerRows.map((row) => ({
      id: row.id,
      org_id: row.org_id,
      name: row.name,
      vendor: row.vendor,
      base_url: row.base_url,
      credential: row.credential_ciphertext,
      options: row.options,
    })),
    routing_configs: configRows.map(({ head, version }) => ({
      id: head.id,
      org_id: head.org_id,
      project_id: head.project_id,
      slug: head.slug,
      version: version.version,
      config: version.config,
    })),
    budgets: budgetRows.map((row) => ({
      id: row.id,
      org_id: row.org_id,
      project_id: row.project_id,
      name: row.name,
      scope_type: row.scope_type,
      scope_value: row.scope_value,
      period: row.period,
      custom_period_seconds: row.custom_period_seconds,
      period_anchor: iso(row.period_anchor),
      cap_usd: row.cap_usd,
      soft_thresholds: row.soft_thresholds,
      action: row.action,
      downgrade_to: row.downgrade_to ?? null,
      fail_mode: row.fail_mode,
      stale_after_ms: row.stale_after_ms,
    })),
    // Stored per million tokens (what people write); the data plane prices per token.
    price_overrides: priceRows.map((row) => ({
      org_id: row.org_id,
      vendor: row.vendor,
      model: row.model,
      input: perMillionToPerToken(row.input),
      output: perMillionToPerToken(row.output),
      cache_read: nullableRate(row.cache_read),
      cache_write: nullableRate(row.cache_write),
      reasoning: nullableRate(row.reasoning),
    })),
  };
}
