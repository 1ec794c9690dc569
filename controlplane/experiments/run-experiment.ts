// One claimed experiment run in its mode, and what its row stores afterwards: the two
// summaries, and in the candidate summary's JSON the diff, the verdict's reasons, the notes,
// with_responses' report and the comparison settings it was created with.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Database } from "../db/client.ts";
import type { ExperimentRow } from "../db/schema/index.ts";
import { evaluateCriteria, type SuccessCriteria, type Verdict } from "./criteria.ts";
import type { ExperimentWarehouse } from "./experiment-duckdb.ts";
import { resolveCandidateConfig } from "./replay-config.ts";
import { RESPONSE_COMPARISON_KEY, readResponseComparison } from "./response-comparison.ts";
import { pctAbove } from "./response-stats.ts";
import { type ExperimentFilters, runRoutingOnly } from "./routing-only.ts";
import { criteriaMetrics } from "./summaries.ts";
import { runWithResponses } from "./with-responses.ts";

export interface ExperimentOutcome {
  verdict: Verdict;
  baseline_summary: Record<string, unknown>;
  candidate_summary: Record<string, unknown>;
  /** For the log: how many requests were replayed. */
  replayed: number;
}

export const NO_SECRET_BOX =
  "with_responses needs the control plane's MODELUX_SECRET_KEY to open provider credentials, " +
  "and this experiment runner was started without it";

export async function runExperiment(
  db: Database,
  warehouse: ExperimentWarehouse,
  secretBox: SecretBox | null,
  row: ExperimentRow,
  onProgress: (fraction: number) => Promise<boolean>,
): Promise<ExperimentOutcome> {
  const scope = { orgId: row.org_id, projectId: row.project_id, slug: row.baseline_config };
  const candidate = await resolveCandidateConfig(
    db,
    scope,
    row.candidate_config,
    "candidate_config",
  );
  const definition = {
    ...scope,
    candidate: candidate.config,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    filters: row.filters as ExperimentFilters,
    sampleSize: row.sample_size,
  };
  const criteria = (row.success_criteria ?? null) as SuccessCriteria | null;

  if (row.mode === "routing_only") {
    const result = await runRoutingOnly(db, warehouse, definition, onProgress);
    const evaluation = evaluateCriteria(criteria, criteriaMetrics(result.comparison));
    return {
      verdict: evaluation.verdict,
      baseline_summary: { ...result.baseline },
      candidate_summary: {
        ...result.candidate,
        comparison: result.comparison,
        criteria: evaluation,
        notes: result.notes,
      },
      replayed: result.notes.replayed_requests,
    };
  }

  if (!secretBox) throw new GatewayError("unavailable", NO_SECRET_BOX);
  if (row.spend_cap_usd === null)
    throw new GatewayError("invalid_request", "with_responses needs spend_cap_usd");
  const stored = row.candidate_summary?.[RESPONSE_COMPARISON_KEY];
  const comparison = readResponseComparison(stored ?? {});
  const result = await runWithResponses(
    db,
    secretBox,
    warehouse,
    { ...definition, experimentId: row.id, spendCapUsd: row.spend_cap_usd, comparison },
    onProgress,
  );
  const judge = result.responses.judge;
  const evaluation = evaluateCriteria(
    criteria,
    criteriaMetrics(result.comparison, {
      similarityPctAboveThreshold: result.responses.similarity.pct_above_threshold,
      similarityPctAbove: (threshold) => pctAbove(result.pairs, threshold),
      judgeWorsePctUpperCi: judge?.worse_pct_ci95?.high ?? null,
    }),
  );
  return {
    verdict: evaluation.verdict,
    baseline_summary: { ...result.baseline },
    candidate_summary: {
      ...result.candidate,
      comparison: result.comparison,
      criteria: evaluation,
      notes: result.notes,
      responses: result.responses,
      ...(stored === undefined ? {} : { [RESPONSE_COMPARISON_KEY]: stored }),
    },
    replayed: result.responses.sent,
  };
}
