// Scheduled experiments of one org: created (checked as an experiment is, plus its cron), read,
// changed, paused and resumed, deleted (its run in flight cancelled), run now, and the history of
// their runs. The scheduler (controlplane/experiments/scheduler.ts) fires them.
import { desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { conflict, invalidField, notFound } from "../../api/errors.ts";
import type { Caller, Page } from "../../api/operation.ts";
import { DEFAULT_PAGE_SIZE } from "../../api/schemas.ts";
import {
  experiments,
  type ScheduledExperimentRow,
  scheduledExperimentRuns,
  scheduledExperiments,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { nextFire, parseCron } from "../../experiments/cron.ts";
import { resolveCandidateConfig } from "../../experiments/replay-config.ts";
import { MAX_RESPONSE_SAMPLE } from "../../experiments/response-comparison.ts";
import { inFlightRun, queueScheduledRun } from "../../experiments/schedule-runs.ts";
import { inOurTerms } from "../experiments/published-body.ts";
import { getProject } from "../projects/service.ts";
import { findConfigHead } from "../routing-configs/service.ts";
import type { CreateSchedule, RunView, UpdateSchedule } from "./model.ts";
import { viewRun, viewSchedule } from "./views.ts";

/** The fire after `nowMs` of a cron the API already checked. */
function nextRunAt(cronExpression: string, nowMs: number): Date | null {
  const next = nextFire(parseCron(cronExpression), nowMs);
  return next === null ? null : new Date(next);
}

export async function getSchedule(tenant: Tenant, scheduleId: string) {
  const row = await tenant.find(scheduledExperiments, scheduleId);
  if (!row) throw notFound("scheduled_experiment", scheduleId);
  return row;
}

export function listSchedules(
  tenant: Tenant,
  query: {
    limit?: number;
    cursor?: string;
    project_id?: string;
    status?: ScheduledExperimentRow["status"];
  },
) {
  return tenant.page(
    scheduledExperiments,
    query,
    [
      query.project_id ? eq(scheduledExperiments.project_id, query.project_id) : undefined,
      query.status ? eq(scheduledExperiments.status, query.status) : undefined,
    ],
    viewSchedule,
  );
}

interface Definition {
  project_id: string;
  baseline_config: string;
  candidate_config: string | Record<string, unknown>;
  mode: "routing_only" | "with_responses";
  sample_size: number | null;
  spend_cap_usd: number | null;
  response_comparison: Record<string, unknown> | null;
}

/** What an experiment's creation checks: baseline, candidate, and with_responses' cap and sample. */
async function checkDefinition(tenant: Tenant, definition: Definition): Promise<void> {
  const slug = definition.baseline_config;
  if (!(await findConfigHead(tenant, definition.project_id, slug)))
    throw invalidField("body.baseline_config", `the project has no routing config "${slug}"`);
  await resolveCandidateConfig(
    tenant.db,
    { orgId: tenant.orgId, projectId: definition.project_id, slug },
    definition.candidate_config,
    "body.candidate_config",
  );
  if (definition.mode !== "with_responses") {
    if (definition.response_comparison)
      throw invalidField("body.response_comparison", "only with_responses compares answers");
    return;
  }
  if (definition.spend_cap_usd === null)
    throw invalidField(
      "body.spend_cap_usd",
      "with_responses re-sends requests to providers on every run and needs a spend cap",
    );
  if (definition.sample_size !== null && definition.sample_size > MAX_RESPONSE_SAMPLE)
    throw invalidField(
      "body.sample_size",
      `with_responses re-sends at most ${MAX_RESPONSE_SAMPLE} requests a run`,
    );
}

export async function createSchedule(
  tenant: Tenant,
  caller: Caller,
  published: CreateSchedule,
  nowMs: number,
) {
  await getProject(tenant, published.project_id);
  const terms = await inOurTerms(tenant, published);
  const definition: Definition = {
    project_id: published.project_id,
    baseline_config: terms.baseline_config.replace(/^@/, ""),
    candidate_config: terms.candidate_config,
    mode: published.mode,
    sample_size: published.sample_size ?? null,
    spend_cap_usd: published.spend_cap_usd ?? null,
    response_comparison: published.response_comparison ?? null,
  };
  await checkDefinition(tenant, definition);
  return tenant.insert(scheduledExperiments, {
    id: newId("scheduledExperiment"),
    ...definition,
    name: published.name,
    status: "active",
    cron_expression: published.cron_expression.trim(),
    window_hours: published.window_hours,
    filters: published.filters ?? {},
    hypothesis: published.hypothesis ?? null,
    success_criteria: published.success_criteria,
    next_run_at: nextRunAt(published.cron_expression, nowMs),
    created_by: caller.key_id,
  });
}

/** Fields whose change makes it another question: an open regression is closed, not carried. */
const DEFINITION_FIELDS = [
  "baseline_config",
  "candidate_config",
  "candidate_policy",
  "window_hours",
  "filters",
  "mode",
  "sample_size",
  "response_comparison",
  "success_criteria",
] as const;

export async function updateSchedule(
  tenant: Tenant,
  row: ScheduledExperimentRow,
  changes: UpdateSchedule,
  nowMs: number,
) {
  if (changes.candidate_policy !== undefined && changes.candidate_config === undefined)
    throw invalidField("body.candidate_policy", "applies with candidate_config: send both");
  const baseline = (changes.baseline_config ?? row.baseline_config).replace(/^@/, "");
  const candidate =
    changes.candidate_config === undefined
      ? (row.candidate_config as string | Record<string, unknown>)
      : (
          await inOurTerms(tenant, {
            project_id: row.project_id,
            baseline_config: baseline,
            candidate_config: changes.candidate_config,
            candidate_policy: changes.candidate_policy,
          })
        ).candidate_config;
  const definition: Definition = {
    project_id: row.project_id,
    baseline_config: baseline,
    candidate_config: candidate,
    mode: changes.mode ?? row.mode,
    sample_size: changes.sample_size === undefined ? row.sample_size : changes.sample_size,
    spend_cap_usd: changes.spend_cap_usd === undefined ? row.spend_cap_usd : changes.spend_cap_usd,
    response_comparison:
      changes.response_comparison === undefined
        ? row.response_comparison
        : changes.response_comparison,
  };
  // A switch to routing_only drops settings only with_responses reads.
  if (changes.mode === "routing_only" && changes.response_comparison === undefined)
    definition.response_comparison = null;
  await checkDefinition(tenant, definition);
  const redefined = DEFINITION_FIELDS.some((field) => changes[field] !== undefined);
  const values: Partial<typeof scheduledExperiments.$inferInsert> = {
    ...definition,
    name: changes.name ?? row.name,
    window_hours: changes.window_hours ?? row.window_hours,
    filters: changes.filters ?? row.filters,
    hypothesis: changes.hypothesis === undefined ? row.hypothesis : changes.hypothesis,
    success_criteria: changes.success_criteria ?? row.success_criteria,
    updated_at: new Date(),
  };
  if (changes.cron_expression !== undefined) {
    values.cron_expression = changes.cron_expression.trim();
    if (row.status === "active") values.next_run_at = nextRunAt(changes.cron_expression, nowMs);
  }
  if (redefined)
    Object.assign(values, {
      regression_signal_key: null,
      regression_run_id: null,
      regression_detected_at: null,
    });
  const updated = await tenant.update(scheduledExperiments, row.id, values);
  if (!updated) throw notFound("scheduled_experiment", row.id);
  return updated;
}

/** active → paused (no fire while paused) or paused → active (from the next fire after now). */
export async function setScheduleStatus(
  tenant: Tenant,
  row: ScheduledExperimentRow,
  status: ScheduledExperimentRow["status"],
  nowMs: number,
) {
  if (row.status === status)
    throw conflict(
      `scheduled experiment ${row.id} is already ${status}`,
      "scheduled_experiment",
      row.id,
    );
  const updated = await tenant.update(scheduledExperiments, row.id, {
    status,
    next_run_at: status === "active" ? nextRunAt(row.cron_expression, nowMs) : null,
    updated_at: new Date(),
  });
  if (!updated) throw notFound("scheduled_experiment", row.id);
  return updated;
}

/** Deletes it with its run history; its run in flight is cancelled, past runs' experiments stay. */
export async function deleteSchedule(tenant: Tenant, row: ScheduledExperimentRow) {
  const inFlight = await inFlightRun(tenant.db, row.id);
  if (inFlight?.experiment_id)
    await tenant.updateWhere(
      experiments,
      { status: "cancelled", completed_at: new Date(), updated_at: new Date() },
      eq(experiments.id, inFlight.experiment_id),
      inArray(experiments.status, ["queued", "running"]),
    );
  await tenant.delete(scheduledExperiments, row.id);
}

/** Queues a run now over the window before now; refused while the previous run is in flight. */
export async function runScheduleNow(
  tenant: Tenant,
  caller: Caller,
  row: ScheduledExperimentRow,
  nowMs: number,
): Promise<RunView> {
  const previous = await inFlightRun(tenant.db, row.id);
  if (previous)
    throw conflict(
      `run ${previous.id} of scheduled experiment ${row.id} has not finished yet`,
      "scheduled_experiment_run",
      previous.id,
    );
  const queued = await queueScheduledRun(tenant.db, row, {
    trigger: "manual",
    scheduledFor: new Date(Math.floor(nowMs / 1000) * 1000),
    createdBy: caller.key_id,
  });
  return viewRun(queued.run, queued.experiment?.status ?? null);
}

/** The schedule's runs, newest first, each with its experiment's status while it is in flight. */
export async function listRuns(
  tenant: Tenant,
  row: ScheduledExperimentRow,
  query: { limit?: number; cursor?: string; verdict?: RunView["verdict"] },
): Promise<Page<RunView>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await runsWithStatus(
    tenant,
    eq(scheduledExperimentRuns.scheduled_experiment_id, row.id),
    query.verdict ? eq(scheduledExperimentRuns.verdict, query.verdict) : undefined,
    query.cursor ? lt(scheduledExperimentRuns.id, query.cursor) : undefined,
  ).limit(limit + 1);
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return {
    data: kept.map((entry) => viewRun(entry.run, entry.experiment_status)),
    next_cursor: more ? (kept.at(-1)?.run.id ?? null) : null,
  };
}

export async function getRun(tenant: Tenant, row: ScheduledExperimentRow, runId: string) {
  const [entry] = await runsWithStatus(
    tenant,
    eq(scheduledExperimentRuns.scheduled_experiment_id, row.id),
    eq(scheduledExperimentRuns.id, runId),
  ).limit(1);
  if (!entry) throw notFound("scheduled_experiment_run", runId);
  return viewRun(entry.run, entry.experiment_status);
}

function runsWithStatus(tenant: Tenant, ...filters: Array<SQL | undefined>) {
  return tenant.db
    .select({ run: scheduledExperimentRuns, experiment_status: experiments.status })
    .from(scheduledExperimentRuns)
    .leftJoin(
      experiments,
      tenant.where(experiments, eq(experiments.id, scheduledExperimentRuns.experiment_id)),
    )
    .where(tenant.where(scheduledExperimentRuns, ...filters))
    .orderBy(desc(scheduledExperimentRuns.id));
}
