// A run of a scheduled experiment (docs/experiments.md#scheduled-experiments): an experiment
// queued over the `window_hours` before the fire time, with the schedule's definition, for the
// experiment runner to take like any other; a fire that finds the previous run still queued or
// running is recorded as skipped instead (runs of one schedule never overlap).
import { and, eq, inArray } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import {
  type ExperimentRow,
  experiments,
  type ScheduledExperimentRow,
  type ScheduledExperimentRunRow,
  scheduledExperimentRuns,
  scheduledExperiments,
} from "../db/schema/index.ts";
import { RESPONSE_COMPARISON_KEY } from "./response-comparison.ts";

export interface RunRequest {
  trigger: "schedule" | "manual";
  /** The fire time; the replayed window is the `window_hours` before it. */
  scheduledFor: Date;
  /** The management key behind the run: the caller's for a manual run, else the schedule's. */
  createdBy: string | null;
}

export interface QueuedRun {
  run: ScheduledExperimentRunRow;
  /** Null when the run was skipped. */
  experiment: ExperimentRow | null;
}

const HOUR_MS = 3_600_000;

/** The schedule's run whose experiment is still queued or running, if any. */
export async function inFlightRun(
  db: Database,
  scheduleId: string,
): Promise<ScheduledExperimentRunRow | null> {
  const [row] = await db
    .select({ run: scheduledExperimentRuns })
    .from(scheduledExperimentRuns)
    .innerJoin(experiments, eq(experiments.id, scheduledExperimentRuns.experiment_id))
    .where(
      and(
        eq(scheduledExperimentRuns.scheduled_experiment_id, scheduleId),
        eq(scheduledExperimentRuns.status, "queued"),
        inArray(experiments.status, ["queued", "running"]),
      ),
    )
    .limit(1);
  return row?.run ?? null;
}

/**
 * Queues one run of `schedule` in `db` (the caller's transaction): its experiment and its run
 * row, or a skipped run row when the previous run has not ended; the schedule notes it as its
 * last run.
 */
export async function queueScheduledRun(
  db: Database,
  schedule: ScheduledExperimentRow,
  request: RunRequest,
): Promise<QueuedRun> {
  const windowEnd = request.scheduledFor;
  const windowStart = new Date(windowEnd.getTime() - schedule.window_hours * HOUR_MS);
  const base = {
    id: newId("scheduledExperimentRun"),
    org_id: schedule.org_id,
    scheduled_experiment_id: schedule.id,
    trigger: request.trigger,
    scheduled_for: request.scheduledFor,
    window_start: windowStart,
    window_end: windowEnd,
  };
  const previous = await inFlightRun(db, schedule.id);
  let experiment: ExperimentRow | null = null;
  let run: ScheduledExperimentRunRow | undefined;
  if (previous) {
    [run] = await db
      .insert(scheduledExperimentRuns)
      .values({
        ...base,
        status: "skipped",
        error: `skipped: the previous run ${previous.id} had not finished`,
        completed_at: new Date(),
      })
      .returning();
  } else {
    [experiment = null] = await db
      .insert(experiments)
      .values({
        id: newId("experiment"),
        org_id: schedule.org_id,
        project_id: schedule.project_id,
        name: runName(schedule.name, request.scheduledFor),
        mode: schedule.mode,
        baseline_config: schedule.baseline_config,
        candidate_config: schedule.candidate_config,
        window_start: windowStart,
        window_end: windowEnd,
        filters: schedule.filters,
        sample_size: schedule.sample_size,
        spend_cap_usd: schedule.spend_cap_usd,
        hypothesis: schedule.hypothesis,
        success_criteria: schedule.success_criteria,
        // Where a one-off experiment keeps its comparison settings until it runs.
        candidate_summary: schedule.response_comparison
          ? { [RESPONSE_COMPARISON_KEY]: schedule.response_comparison }
          : null,
        created_by: request.createdBy,
      })
      .returning();
    [run] = await db
      .insert(scheduledExperimentRuns)
      .values({ ...base, experiment_id: experiment?.id ?? null })
      .returning();
  }
  if (!run) throw new Error("insert returned nothing");
  await db
    .update(scheduledExperiments)
    .set({ last_run_id: run.id, last_run_at: run.created_at })
    .where(eq(scheduledExperiments.id, schedule.id));
  return { run, experiment };
}

/** The run's experiment is named after the schedule and its fire: "nightly check · 2026-03-09 09:00Z". */
function runName(name: string, scheduledFor: Date): string {
  const at = `${scheduledFor.toISOString().slice(0, 16).replace("T", " ")}Z`;
  const suffix = ` · ${at}`;
  return `${name.slice(0, 200 - suffix.length)}${suffix}`;
}
