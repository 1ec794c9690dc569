// Budgets' part of the config snapshot: every org's enabled budgets, as the data planes
// enforce them.
import { asc, eq } from "drizzle-orm";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { Database } from "../../db/client.ts";
import { budgets } from "../../db/schema/index.ts";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export async function budgetsSnapshotPart(db: Database): Promise<SnapshotBody["budgets"]> {
  const rows = await db
    .select()
    .from(budgets)
    .where(eq(budgets.enabled, true))
    .orderBy(asc(budgets.id));
  return rows.map((row) => ({
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
  }));
}
