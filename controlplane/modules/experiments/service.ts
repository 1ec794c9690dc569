// Experiments of one org: created queued (the runner in controlplane/experiments picks them up),
// read with their summaries, cancelled, deleted, and promoted: the candidate becomes a new
// version of the baseline config, as a save would make it.
import { eq, inArray } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { conflict, invalidField, notFound } from "../../api/errors.ts";
import type { Caller, WriteContext } from "../../api/operation.ts";
import { iso, isoRequired } from "../../api/schemas.ts";
import {
  type ExperimentRow,
  type ExperimentValidationRow,
  experiments,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { resolveCandidateConfig } from "../../experiments/replay-config.ts";
import {
  MAX_RESPONSE_SAMPLE,
  RESPONSE_COMPARISON_KEY,
  readResponseComparison,
} from "../../experiments/response-comparison.ts";
import { getProject } from "../projects/service.ts";
import {
  findConfigHead,
  getRoutingConfig,
  getVersion,
  saveConfigVersion,
  viewRoutingConfig,
} from "../routing-configs/service.ts";
import type { CreateExperiment, ExperimentView } from "./model.ts";
import { inOurTerms } from "./published-body.ts";
import { viewValidation } from "./validation-view.ts";
import { latestValidations, recordPrediction } from "./validations.ts";

/** The longest window one experiment may cover. */
const MAX_WINDOW_DAYS = 90;

type Stored = Record<string, unknown> | null;

/**
 * The stored row as the API shows it; the candidate's extras live in its summary's JSON. The
 * latest promotion's prediction check, when there is one, is its own row (validations.ts).
 */
export function viewExperiment(
  row: ExperimentRow,
  validation: ExperimentValidationRow | null = null,
): ExperimentView {
  const stored = (row.candidate_summary ?? null) as Stored;
  const {
    comparison,
    criteria,
    notes,
    promotion,
    responses,
    [RESPONSE_COMPARISON_KEY]: responseComparison,
    ...candidate
  } = stored ?? {};
  return {
    id: row.id,
    project_id: row.project_id,
    name: row.name,
    status: row.status,
    mode: row.mode,
    baseline_config: row.baseline_config,
    candidate_config: row.candidate_config as ExperimentView["candidate_config"],
    window_start: isoRequired(row.window_start),
    window_end: isoRequired(row.window_end),
    filters: row.filters,
    sample_size: row.sample_size,
    spend_cap_usd: row.spend_cap_usd,
    hypothesis: row.hypothesis,
    success_criteria: row.success_criteria ?? null,
    progress: row.progress,
    baseline_summary: (row.baseline_summary ?? null) as ExperimentView["baseline_summary"],
    candidate_summary:
      "requests" in candidate ? (candidate as ExperimentView["candidate_summary"]) : null,
    comparison: (comparison ?? null) as ExperimentView["comparison"],
    criteria: (criteria ?? null) as ExperimentView["criteria"],
    verdict: row.verdict,
    notes: (notes ?? null) as ExperimentView["notes"],
    response_comparison:
      row.mode === "with_responses" ? readResponseComparison(responseComparison ?? {}) : null,
    responses: (responses ?? null) as ExperimentView["responses"],
    error: row.error,
    promoted: (promotion ?? null) as ExperimentView["promoted"],
    validation: validation ? viewValidation(validation) : null,
    created_by: row.created_by,
    created_at: isoRequired(row.created_at),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    updated_at: isoRequired(row.updated_at),
  };
}

export async function getExperiment(tenant: Tenant, experimentId: string) {
  const row = await tenant.find(experiments, experimentId);
  if (!row) throw notFound("experiment", experimentId);
  return row;
}

export async function listExperiments(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; project_id?: string; status?: ExperimentRow["status"] },
) {
  const page = await tenant.page(
    experiments,
    query,
    [
      query.project_id ? eq(experiments.project_id, query.project_id) : undefined,
      query.status ? eq(experiments.status, query.status) : undefined,
    ],
    (row) => row,
  );
  const validations = await latestValidations(
    tenant,
    page.data.map((row) => row.id),
  );
  return {
    ...page,
    data: page.data.map((row) => viewExperiment(row, validations.get(row.id) ?? null)),
  };
}

/** Checks the definition against the org (project, baseline, candidate) and queues it. */
export async function createExperiment(
  tenant: Tenant,
  caller: Caller,
  published: CreateExperiment,
) {
  await getProject(tenant, published.project_id);
  const input = { ...published, ...(await inOurTerms(tenant, published)) };
  const start = new Date(input.window_start);
  const end = new Date(input.window_end);
  if (end <= start) throw invalidField("body.window_end", "must be after window_start");
  if (end.getTime() - start.getTime() > MAX_WINDOW_DAYS * 86_400_000)
    throw invalidField("body.window_end", `the window may cover at most ${MAX_WINDOW_DAYS} days`);
  const slug = input.baseline_config.replace(/^@/, "");
  if (!(await findConfigHead(tenant, input.project_id, slug)))
    throw invalidField("body.baseline_config", `the project has no routing config "${slug}"`);
  await resolveCandidateConfig(
    tenant.db,
    { orgId: tenant.orgId, projectId: input.project_id, slug },
    input.candidate_config,
    "body.candidate_config",
  );
  checkResponsesDefinition(input);
  return tenant.insert(experiments, {
    id: newId("experiment"),
    project_id: input.project_id,
    name: input.name,
    mode: input.mode,
    baseline_config: slug,
    candidate_config: input.candidate_config,
    window_start: start,
    window_end: end,
    filters: input.filters ?? {},
    sample_size: input.sample_size ?? null,
    spend_cap_usd: input.spend_cap_usd ?? null,
    hypothesis: input.hypothesis ?? null,
    success_criteria: input.success_criteria ?? null,
    // Kept in the summary's JSON (no column of its own) until the run reads it.
    candidate_summary: input.response_comparison
      ? { [RESPONSE_COMPARISON_KEY]: input.response_comparison }
      : null,
    created_by: caller.key_id,
  });
}

/** with_responses spends money: it needs a cap, and re-sends a bounded sample. */
function checkResponsesDefinition(input: CreateExperiment): void {
  if (input.mode !== "with_responses") {
    if (input.response_comparison)
      throw invalidField("body.response_comparison", "only with_responses compares answers");
    return;
  }
  if (input.spend_cap_usd === undefined)
    throw invalidField(
      "body.spend_cap_usd",
      "with_responses re-sends requests to providers and needs a spend cap",
    );
  if (input.sample_size !== undefined && input.sample_size > MAX_RESPONSE_SAMPLE)
    throw invalidField(
      "body.sample_size",
      `with_responses re-sends at most ${MAX_RESPONSE_SAMPLE} requests`,
    );
}

/** Queued or running → cancelled; a running replay notices at its next progress report. */
export async function cancelExperiment(tenant: Tenant, row: ExperimentRow) {
  const [updated] = await tenant.db
    .update(experiments)
    .set({ status: "cancelled", completed_at: new Date(), updated_at: new Date() })
    .where(
      tenant.where(
        experiments,
        eq(experiments.id, row.id),
        inArray(experiments.status, ["queued", "running"]),
      ),
    )
    .returning();
  if (!updated)
    throw conflict(
      `experiment ${row.id} is ${row.status}; only queued or running ones can be cancelled`,
      "experiment",
      row.id,
    );
  return updated;
}

export async function deleteExperiment(tenant: Tenant, row: ExperimentRow) {
  await tenant.delete(experiments, row.id);
}

/**
 * Saves the candidate as the next version of the baseline config (checked again: the project's
 * configs may have changed since), audited and announced as a save is (routing_config.updated),
 * and records the promotion on the experiment.
 */
export async function promoteExperiment(
  write: WriteContext,
  caller: Caller,
  row: ExperimentRow,
  options: { message?: string; force?: boolean },
) {
  const { tenant, audit, emit } = write;
  if (row.status !== "completed")
    throw conflict(
      `experiment ${row.id} is ${row.status}; only completed ones can be promoted`,
      "experiment",
      row.id,
    );
  if (row.verdict === "fail" && !options.force)
    throw conflict(
      `experiment ${row.id} failed its success criteria; pass force: true to promote anyway`,
      "experiment",
      row.id,
    );
  const head = await findConfigHead(tenant, row.project_id, row.baseline_config);
  if (!head)
    throw conflict(
      `routing config "${row.baseline_config}" no longer exists`,
      "routing_config",
      row.baseline_config,
    );
  const before = viewRoutingConfig(head, await getVersion(tenant.db, head, head.current_version));
  const candidate = await resolveCandidateConfig(
    tenant.db,
    { orgId: tenant.orgId, projectId: row.project_id, slug: row.baseline_config },
    row.candidate_config,
    "candidate_config",
  );
  const saved = await saveConfigVersion(tenant, {
    projectId: row.project_id,
    slug: row.baseline_config,
    config: candidate.config,
    message: options.message ?? `promoted from experiment ${row.id} (${row.name})`,
    createdBy: caller.key_id,
  });
  const updatedHead = await getRoutingConfig(tenant, saved.id);
  const after = viewRoutingConfig(
    updatedHead,
    await getVersion(tenant.db, updatedHead, saved.version),
  );
  await audit({
    action: "routing_config.promoted",
    resource_type: "routing_config",
    resource_id: head.id,
    before,
    after,
  });
  await emit("routing_config.updated", {
    routing_config: after,
    version: saved.version,
    previous_version: before.current_version,
  });
  const promotedAt = new Date();
  const promotion = {
    routing_config_id: head.id,
    version: saved.version,
    promoted_at: promotedAt.toISOString(),
  };
  const updated = await tenant.update(experiments, row.id, {
    candidate_summary: { ...(row.candidate_summary ?? {}), promotion },
    updated_at: new Date(),
  });
  // What the replay predicted, checked once the version has served a comparable window.
  const validation = await recordPrediction(tenant, row, {
    routing_config_id: head.id,
    config_slug: head.slug,
    version: saved.version,
    promoted_at: promotedAt,
  });
  const experiment = viewExperiment(updated ?? row, validation);
  await audit({
    action: "experiment.promoted",
    resource_type: "experiment",
    resource_id: row.id,
    after: experiment,
  });
  return {
    experiment,
    routing_config: {
      id: head.id,
      slug: head.slug,
      version: saved.version,
      previous_version: before.current_version,
    },
  };
}
