// The prediction error across an org's past promotions, from their checks
// (controlplane/prediction-checks): per metric over the validated ones, and one row each.
import { desc, eq, gte, inArray, lt } from "drizzle-orm";
import type * as v from "valibot";
import { isoRequired } from "../../api/schemas.ts";
import { experiments, experimentValidations } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { accuracyAcross, type PredictionErrors } from "../../prediction-checks/prediction-error.ts";
import { viewValidation } from "../experiments/validation-view.ts";
import type { PredictionAccuracyView, predictionAccuracyQuery } from "./model.ts";

const DEFAULT_ROWS = 100;

export async function predictionAccuracy(
  tenant: Tenant,
  query: v.InferOutput<typeof predictionAccuracyQuery>,
): Promise<PredictionAccuracyView> {
  const rows = await tenant.db
    .select()
    .from(experimentValidations)
    .where(
      tenant.where(
        experimentValidations,
        query.project_id ? eq(experimentValidations.project_id, query.project_id) : undefined,
        query.config_slug
          ? eq(experimentValidations.config_slug, query.config_slug.replace(/^@/, ""))
          : undefined,
        query.start ? gte(experimentValidations.promoted_at, new Date(query.start)) : undefined,
        query.end ? lt(experimentValidations.promoted_at, new Date(query.end)) : undefined,
      ),
    )
    .orderBy(desc(experimentValidations.promoted_at), desc(experimentValidations.id));
  const validated = rows.filter((row) => row.status === "validated" && row.errors);
  const listed = rows.slice(0, query.limit ?? DEFAULT_ROWS);
  const experimentIds = [...new Set(listed.map((row) => row.experiment_id))];
  const named =
    experimentIds.length > 0
      ? await tenant.rows(experiments, inArray(experiments.id, experimentIds))
      : [];
  const names = new Map(named.map((row) => [row.id, row.name]));
  const count = (status: string) => rows.filter((row) => row.status === status).length;
  return {
    metrics: accuracyAcross(validated.map((row) => row.errors as unknown as PredictionErrors)),
    counts: {
      total: rows.length,
      validated: count("validated"),
      pending: count("pending"),
      insufficient_data: count("insufficient_data"),
      superseded: count("superseded"),
    },
    promotions: listed.map((row) => {
      const view = viewValidation(row);
      return {
        experiment_id: row.experiment_id,
        experiment_name: names.get(row.experiment_id) ?? null,
        project_id: row.project_id,
        routing_config_id: row.routing_config_id,
        config_slug: row.config_slug,
        version: row.config_version,
        promoted_at: isoRequired(row.promoted_at),
        status: row.status,
        predicted: view.predicted,
        actual: view.actual,
        errors: view.errors,
        completed_at: view.completed_at,
      };
    }),
  };
}
