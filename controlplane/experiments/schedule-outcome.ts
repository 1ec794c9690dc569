// What a scheduled experiment's run ending does (docs/experiments.md#scheduled-experiments),
// inside the experiment runner's closing transaction: the run records its verdict, deltas and
// criteria; experiment.completed goes out for every run; a failing run opens a regression and
// sends experiment.regression_detected once, with a signal_key, and later failing runs add to
// it silently until a run passes and closes it. Inconclusive and errored runs leave it as it is.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  type ExperimentRow,
  scheduledExperimentRuns,
  scheduledExperiments,
} from "../db/schema/index.ts";
import type { ExperimentView } from "../modules/experiments/model.ts";
import { viewRun, viewSchedule } from "../modules/scheduled-experiments/views.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";

/** The regression's key: names the schedule and the run that opened it. */
export const regressionSignalKey = (scheduleId: string, runId: string) =>
  `scheduled_experiment:${scheduleId}:regression:${runId}`;

/**
 * Records the outcome when `experiment` (just ended, status completed or failed) is a scheduled
 * run, and sends its webhooks. False when it is a one-off experiment: the caller sends those.
 */
export async function recordScheduledRunOutcome(
  transaction: Database,
  experiment: ExperimentRow,
  view: ExperimentView,
): Promise<boolean> {
  const [run] = await transaction
    .select()
    .from(scheduledExperimentRuns)
    .where(eq(scheduledExperimentRuns.experiment_id, experiment.id))
    .limit(1);
  if (!run) return false;
  // Locked: two runs of one schedule ending at once must not both open a regression.
  const [schedule] = await transaction
    .select()
    .from(scheduledExperiments)
    .where(eq(scheduledExperiments.id, run.scheduled_experiment_id))
    .for("update");
  if (!schedule) return true;

  const now = new Date();
  const verdict = experiment.status === "completed" ? experiment.verdict : null;
  let signalKey = schedule.regression_signal_key;
  let opened = false;
  const scheduleChanges: Partial<typeof scheduledExperiments.$inferInsert> = {};
  if (verdict) scheduleChanges.last_verdict = verdict;
  if (verdict === "fail" && !signalKey) {
    signalKey = regressionSignalKey(schedule.id, run.id);
    opened = true;
    Object.assign(scheduleChanges, {
      regression_signal_key: signalKey,
      regression_run_id: run.id,
      regression_detected_at: now,
    });
  } else if (verdict === "pass") {
    Object.assign(scheduleChanges, {
      regression_signal_key: null,
      regression_run_id: null,
      regression_detected_at: null,
    });
  }
  const [updatedSchedule = schedule] =
    Object.keys(scheduleChanges).length > 0
      ? await transaction
          .update(scheduledExperiments)
          .set(scheduleChanges)
          .where(eq(scheduledExperiments.id, schedule.id))
          .returning()
      : [schedule];
  const [updatedRun = run] = await transaction
    .update(scheduledExperimentRuns)
    .set({
      status: experiment.status === "completed" ? "completed" : "failed",
      verdict,
      comparison: (view.comparison ?? null) as Record<string, unknown> | null,
      criteria: (view.criteria ?? null) as Record<string, unknown> | null,
      regression_detected: opened,
      signal_key: verdict === "fail" ? signalKey : null,
      error: experiment.error,
      completed_at: now,
    })
    .where(eq(scheduledExperimentRuns.id, run.id))
    .returning();

  const scheduled_experiment = viewSchedule(updatedSchedule);
  const runView = viewRun(updatedRun, experiment.status);
  await enqueueEvent(transaction, experiment.org_id, "experiment.completed", {
    verdict,
    scheduled_experiment,
    run: runView,
    experiment: view,
  });
  if (opened) {
    await enqueueEvent(transaction, experiment.org_id, "experiment.regression_detected", {
      signal_key: signalKey,
      verdict,
      reason: view.criteria?.reason ?? null,
      breached: (view.criteria?.predicates ?? []).filter((predicate) => predicate.holds === false),
      scheduled_experiment,
      run: runView,
      experiment: view,
    });
  }
  return true;
}
