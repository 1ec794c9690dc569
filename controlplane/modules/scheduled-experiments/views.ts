// Stored scheduled experiments and runs as the API shows them. Pure.
import { iso, isoRequired } from "../../api/schemas.ts";
import type {
  ExperimentRow,
  ScheduledExperimentRow,
  ScheduledExperimentRunRow,
} from "../../db/schema/index.ts";
import { readResponseComparison } from "../../experiments/response-comparison.ts";
import type { RunView, ScheduleView } from "./model.ts";

export function viewSchedule(row: ScheduledExperimentRow): ScheduleView {
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    status: row.status,
    cron_expression: row.cron_expression,
    window_hours: row.window_hours,
    mode: row.mode,
    baseline_config: row.baseline_config,
    candidate_config: row.candidate_config as ScheduleView["candidate_config"],
    filters: row.filters,
    sample_size: row.sample_size,
    spend_cap_usd: row.spend_cap_usd,
    response_comparison:
      row.mode === "with_responses" ? readResponseComparison(row.response_comparison ?? {}) : null,
    hypothesis: row.hypothesis,
    success_criteria: row.success_criteria,
    next_run_at: iso(row.next_run_at),
    last_run_id: row.last_run_id,
    last_run_at: iso(row.last_run_at),
    last_verdict: row.last_verdict,
    regression:
      row.regression_signal_key && row.regression_run_id && row.regression_detected_at
        ? {
            signal_key: row.regression_signal_key,
            run_id: row.regression_run_id,
            detected_at: isoRequired(row.regression_detected_at),
          }
        : null,
    created_by: row.created_by,
    created_at: isoRequired(row.created_at),
    updated_at: isoRequired(row.updated_at),
  };
}

/**
 * A run's status: its own once it ended (the runner recorded the outcome, or it was skipped);
 * before that, its experiment's (queued, running, or ended without the runner's record: a
 * cancel, or a with_responses run interrupted), cancelled when that experiment is gone.
 */
export function runStatus(
  row: ScheduledExperimentRunRow,
  experimentStatus: ExperimentRow["status"] | null,
): RunView["status"] {
  if (row.status !== "queued") return row.status;
  return experimentStatus ?? "cancelled";
}

export function viewRun(
  row: ScheduledExperimentRunRow,
  experimentStatus: ExperimentRow["status"] | null,
): RunView {
  return {
    id: row.id,
    scheduled_experiment_id: row.scheduled_experiment_id,
    experiment_id: row.experiment_id,
    trigger: row.trigger,
    status: runStatus(row, experimentStatus),
    scheduled_for: isoRequired(row.scheduled_for),
    window_start: isoRequired(row.window_start),
    window_end: isoRequired(row.window_end),
    verdict: row.verdict,
    comparison: (row.comparison ?? null) as RunView["comparison"],
    criteria: (row.criteria ?? null) as RunView["criteria"],
    regression_detected: row.regression_detected,
    signal_key: row.signal_key,
    error: row.error,
    created_at: isoRequired(row.created_at),
    completed_at: iso(row.completed_at),
  };
}
