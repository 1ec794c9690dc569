// The prediction a promotion records (docs/experiments.md, "Prediction checked against
// reality"), and the latest one of an experiment for its view. The check itself runs in
// controlplane/prediction-checks.
import { desc, inArray } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import {
  type ExperimentRow,
  type ExperimentValidationRow,
  experimentValidations,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { planCheck } from "../../prediction-checks/prediction.ts";

export interface Promotion {
  routing_config_id: string;
  config_slug: string;
  version: number;
  promoted_at: Date;
}

/** Records what the experiment predicted for the version it promoted; null if it predicted nothing. */
export async function recordPrediction(
  tenant: Tenant,
  experiment: ExperimentRow,
  promotion: Promotion,
): Promise<ExperimentValidationRow | null> {
  const plan = planCheck(experiment, promotion.promoted_at);
  if (!plan) return null;
  return tenant.insert(experimentValidations, {
    id: newId("experimentValidation"),
    experiment_id: experiment.id,
    project_id: experiment.project_id,
    routing_config_id: promotion.routing_config_id,
    config_slug: promotion.config_slug,
    config_version: promotion.version,
    promoted_at: promotion.promoted_at,
    window_ms: plan.window_ms,
    window_end: plan.window_end,
    deadline_at: plan.deadline_at,
    min_requests: plan.min_requests,
    predicted: plan.predicted as unknown as Record<string, unknown>,
    filters: plan.filters,
  });
}

/** The experiment's latest promotion check, if it was promoted. */
export async function latestValidation(
  tenant: Tenant,
  experimentId: string,
): Promise<ExperimentValidationRow | null> {
  return (await latestValidations(tenant, [experimentId])).get(experimentId) ?? null;
}

/** Each experiment's latest promotion check, by experiment id. */
export async function latestValidations(
  tenant: Tenant,
  experimentIds: string[],
): Promise<Map<string, ExperimentValidationRow>> {
  const latest = new Map<string, ExperimentValidationRow>();
  if (experimentIds.length === 0) return latest;
  const rows = await tenant.db
    .select()
    .from(experimentValidations)
    .where(
      tenant.where(
        experimentValidations,
        inArray(experimentValidations.experiment_id, experimentIds),
      ),
    )
    .orderBy(desc(experimentValidations.promoted_at), desc(experimentValidations.id));
  for (const row of rows) if (!latest.has(row.experiment_id)) latest.set(row.experiment_id, row);
  return latest;
}
