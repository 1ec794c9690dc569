// One pass over the promotions whose prediction may be checkable now (docs/experiments.md,
// "Prediction checked against reality"): each is taken under a row lock (SKIP LOCKED, so control
// planes running the pass at once never take the same), checked (check.ts), and, when the check
// ends, stored with its `experiment.validated` event in the same transaction. A row leaves
// `pending` once, so the event is sent once; a crash mid-check rolls back and the next pass
// checks it again.
import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  type ExperimentValidationRow,
  experiments,
  experimentValidations,
  routingConfigs,
  routingConfigVersions,
} from "../db/schema/index.ts";
import { viewExperiment } from "../modules/experiments/service.ts";
import { viewValidation } from "../modules/experiments/validation-view.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";
import { checkPrediction, SETTLE_MS } from "./check.ts";
import type { Measure } from "./measure.ts";
import type { Prediction } from "./prediction.ts";
import { predictionErrors } from "./prediction-error.ts";

/** The most promotions one pass looks at; the rest wait for the next. */
const BATCH = 100;

export interface PredictionCheckPass {
  db: Database;
  measure: Measure;
  /** Epoch milliseconds. */
  now: number;
  settleMs?: number;
}

/** Checks the promotions that may be due; returns the ones whose check ended in this pass. */
export async function checkDuePredictions(
  pass: PredictionCheckPass,
  log: (message: string) => void = () => {},
): Promise<ExperimentValidationRow[]> {
  const ended: ExperimentValidationRow[] = [];
  for (const id of await dueIds(pass.db, pass.now - (pass.settleMs ?? SETTLE_MS))) {
    try {
      const row = await checkOne(pass, id);
      if (row) ended.push(row);
    } catch (error) {
      log(`prediction check ${id}: ${(error as Error).message}`);
    }
  }
  return ended;
}

/**
 * Pending promotions whose comparable window has closed, or whose version a later one (or a
 * deletion) has replaced: across orgs on purpose, each check then reads its own org's logs.
 */
async function dueIds(db: Database, ready: number): Promise<string[]> {
  const at = sql`${new Date(ready).toISOString()}::timestamptz`;
  const rows = await db
    .select({ id: experimentValidations.id })
    .from(experimentValidations)
    .where(
      and(
        eq(experimentValidations.status, "pending"),
        or(
          sql`${experimentValidations.window_end} <= ${at}`,
          sql`exists (select 1 from ${routingConfigVersions}
            where ${routingConfigVersions.routing_config_id} = ${experimentValidations.routing_config_id}
              and ${routingConfigVersions.version} > ${experimentValidations.config_version}
              and ${routingConfigVersions.created_at} <= ${at})`,
          sql`not exists (select 1 from ${routingConfigs}
            where ${routingConfigs.id} = ${experimentValidations.routing_config_id}
              and (${routingConfigs.deleted_at} is null or ${routingConfigs.deleted_at} > ${at}))`,
        ),
      ),
    )
    .orderBy(asc(experimentValidations.window_end), asc(experimentValidations.id))
    .limit(BATCH);
  return rows.map((row) => row.id);
}

async function checkOne(pass: PredictionCheckPass, id: string) {
  return pass.db.transaction(async (transaction) => {
    const [row] = await transaction
      .select()
      .from(experimentValidations)
      .where(and(eq(experimentValidations.id, id), eq(experimentValidations.status, "pending")))
      .for("update", { skipLocked: true });
    if (!row) return null;
    const supersededAt = await replacedAt(transaction, row, pass.now);
    const outcome = await checkPrediction(row, supersededAt, pass.now, pass.measure, pass.settleMs);
    if (outcome.status === "wait" || outcome.status === "pending") return null;
    const now = new Date(pass.now);
    const [updated] = await transaction
      .update(experimentValidations)
      .set({
        status: outcome.status,
        actual: outcome.actual as unknown as Record<string, unknown>,
        errors:
          outcome.status === "validated"
            ? (predictionErrors(
                row.predicted as unknown as Prediction,
                outcome.actual,
              ) as unknown as Record<string, unknown>)
            : null,
        // Only a replacement that cut the measured window short is worth saying.
        superseded_at:
          supersededAt && supersededAt.getTime() <= Date.parse(outcome.actual.window_end)
            ? supersededAt
            : null,
        completed_at: now,
        updated_at: now,
      })
      .where(eq(experimentValidations.id, row.id))
      .returning();
    if (!updated) return null;
    const [experiment] = await transaction
      .select()
      .from(experiments)
      .where(eq(experiments.id, row.experiment_id));
    await enqueueEvent(
      transaction,
      row.org_id,
      "experiment.validated",
      {
        ...(experiment ? { experiment: viewExperiment(experiment, updated) } : {}),
        validation: viewValidation(updated),
      },
      { now },
    );
    return updated;
  });
}

/** When a later version of the config (or its deletion) replaced the promoted one, if it has. */
async function replacedAt(
  db: Database,
  row: ExperimentValidationRow,
  now: number,
): Promise<Date | null> {
  const [later] = await db
    .select({ created_at: routingConfigVersions.created_at })
    .from(routingConfigVersions)
    .where(
      and(
        eq(routingConfigVersions.routing_config_id, row.routing_config_id),
        gt(routingConfigVersions.version, row.config_version),
      ),
    )
    .orderBy(asc(routingConfigVersions.version))
    .limit(1);
  const [head] = await db
    .select({ deleted_at: routingConfigs.deleted_at })
    .from(routingConfigs)
    .where(eq(routingConfigs.id, row.routing_config_id));
  // A config that is gone altogether serves nothing from now on.
  const candidates = [later?.created_at, head ? head.deleted_at : new Date(now)].filter(
    (at): at is Date => at instanceof Date,
  );
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates.map((at) => at.getTime())));
}
