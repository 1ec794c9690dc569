// Experiments as the Management API shows them (DESIGN §9, docs/experiments.md): a candidate
// routing config replayed over a window of a project's traffic, its two summaries, the diff and
// the verdict; and the replay of one request.
import * as v from "valibot";
import { STRATEGIES } from "#shared/routing/config-schema.ts";
import {
  idSchema,
  nameSchema,
  nullableTimestamp,
  paginationEntries,
  timestampSchema,
} from "../../api/schemas.ts";
import {
  CRITERIA_METRICS,
  PREDICATE_OPS,
  successCriteriaSchema,
} from "../../experiments/criteria.ts";
import {
  DEFAULT_RESPONSE_SAMPLE,
  MAX_RESPONSE_SAMPLE,
  responseComparisonSchema,
  responseComparisonView,
} from "../../experiments/response-comparison.ts";
import { resentView, responsesView } from "./responses-view.ts";
import { validationView } from "./validation-view.ts";

export const EXPERIMENT_STATUSES = [
  "queued",
  "running",
  "completed",
  "failed",
  "cancelled",
] as const;
export const EXPERIMENT_MODES = ["routing_only", "with_responses"] as const;
export const VERDICTS = ["pass", "fail", "inconclusive"] as const;

export const candidateConfigSchema = v.pipe(
  v.union([
    v.pipe(
      v.string(),
      v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}@[1-9]\d{0,8}$/, 'must be "slug@version"'),
    ),
    v.record(v.string(), v.unknown()),
  ]),
  v.description(
    'The candidate: a routing config object ({strategy, …}), or "slug@version" of one of the ' +
      "project's configs. Checked as a save of the baseline's slug would be.",
  ),
);

export const filtersSchema = v.strictObject({
  model: v.optional(
    v.pipe(v.string(), v.minLength(1), v.description("Only requests the baseline served with it.")),
  ),
  end_user: v.optional(v.pipe(v.string(), v.minLength(1))),
  tags: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.description("Only requests carrying every one of these tags."),
    ),
  ),
});

export const createExperimentBody = v.strictObject({
  name: nameSchema,
  project_id: idSchema("The project whose traffic is replayed."),
  baseline_config: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, "must be a routing config slug"),
      v.description(
        "The slug of the routing config in production (with or without @). Without it, the " +
          'project\'s "default" config, or its only config.',
      ),
    ),
  ),
  candidate_config: candidateConfigSchema,
  candidate_policy: v.optional(
    v.pipe(
      v.picklist(STRATEGIES, `must be one of ${STRATEGIES.join(", ")}`),
      v.description(
        "The candidate object's strategy, when the object leaves it out (modelux.ai's " +
          "candidatePolicy).",
      ),
    ),
  ),
  window_start: v.pipe(v.string(), v.isoTimestamp(), v.description("Inclusive, ISO 8601.")),
  window_end: v.pipe(v.string(), v.isoTimestamp(), v.description("Exclusive, ISO 8601.")),
  filters: v.optional(filtersSchema),
  mode: v.optional(
    v.pipe(
      v.picklist(EXPERIMENT_MODES, `must be one of ${EXPERIMENT_MODES.join(", ")}`),
      v.description("routing_only (no provider calls) or with_responses (re-sends a sample)."),
    ),
    "routing_only",
  ),
  sample_size: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(50_000),
      v.description(
        "At most this many requests, a deterministic sample: 50,000 at most for routing_only; " +
          `for with_responses ${MAX_RESPONSE_SAMPLE} at most, ${DEFAULT_RESPONSE_SAMPLE} when not given.`,
      ),
    ),
  ),
  spend_cap_usd: v.optional(
    v.pipe(
      v.number(),
      v.gtValue(0),
      v.description(
        "with_responses (required there): the most it may spend, re-sent requests, " +
          "embeddings and judge calls together, in USD.",
      ),
    ),
  ),
  response_comparison: v.optional(
    v.pipe(
      responseComparisonSchema,
      v.description(
        "with_responses: how answers are compared (embedding model, similarity threshold, " +
          "optional LLM judge).",
      ),
    ),
  ),
  hypothesis: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  success_criteria: v.optional(successCriteriaSchema),
});
export type CreateExperiment = v.InferOutput<typeof createExperimentBody>;

const routeShare = v.object({
  model: v.nullable(v.string()),
  provider: v.nullable(v.string()),
  requests: v.number(),
  share: v.number(),
});

const sideSummaryView = v.pipe(
  v.object({
    requests: v.number(),
    cost_usd: v.number(),
    cost_usd_per_request: v.nullable(v.number()),
    p50_latency_ms: v.nullable(v.number()),
    p95_latency_ms: v.nullable(v.number()),
    errors: v.number(),
    error_rate: v.nullable(v.number()),
    routes: v.pipe(
      v.array(routeShare),
      v.description("Route distribution; model and provider null for failed requests."),
    ),
  }),
  v.description("Latency percentiles are over successful requests."),
);

export const comparisonView = v.object({
  requests: v.number(),
  cost_delta_pct: v.nullable(v.number()),
  error_rate_delta_pct: v.pipe(
    v.nullable(v.number()),
    v.description("Candidate error rate minus baseline's, in percentage points."),
  ),
  p50_delta_pct: v.nullable(v.number()),
  p95_delta_pct: v.nullable(v.number()),
  changed_requests: v.number(),
  changed_share: v.nullable(v.number()),
  borrowed_outcomes: v.number(),
  transitions: v.array(
    v.object({
      from_model: v.nullable(v.string()),
      from_provider: v.nullable(v.string()),
      to_model: v.nullable(v.string()),
      to_provider: v.nullable(v.string()),
      requests: v.number(),
    }),
  ),
});

export const criteriaResultView = v.object({
  verdict: v.picklist(VERDICTS),
  reason: v.string(),
  predicates: v.array(
    v.object({
      metric: v.picklist(CRITERIA_METRICS),
      op: v.picklist(PREDICATE_OPS),
      value: v.number(),
      actual: v.nullable(v.number()),
      holds: v.nullable(v.boolean()),
    }),
  ),
});

export const experimentView = v.object({
  id: idSchema("The experiment's id."),
  project_id: v.string(),
  name: v.string(),
  status: v.picklist(EXPERIMENT_STATUSES),
  mode: v.picklist(EXPERIMENT_MODES),
  baseline_config: v.string(),
  candidate_config: v.union([v.string(), v.record(v.string(), v.unknown())]),
  window_start: timestampSchema,
  window_end: timestampSchema,
  filters: v.record(v.string(), v.unknown()),
  sample_size: v.nullable(v.number()),
  spend_cap_usd: v.nullable(v.number()),
  hypothesis: v.nullable(v.string()),
  success_criteria: v.nullable(v.record(v.string(), v.unknown())),
  progress: v.pipe(v.number(), v.description("0..1")),
  baseline_summary: v.nullable(sideSummaryView),
  candidate_summary: v.nullable(sideSummaryView),
  comparison: v.nullable(comparisonView),
  criteria: v.nullable(criteriaResultView),
  verdict: v.nullable(v.picklist(VERDICTS)),
  notes: v.pipe(
    v.nullable(v.record(v.string(), v.unknown())),
    v.description("How the replay went: sample, observations, borrowed outcomes, seed."),
  ),
  response_comparison: v.pipe(
    v.nullable(responseComparisonView),
    v.description("with_responses: the comparison settings, defaults filled in."),
  ),
  responses: v.nullable(responsesView),
  error: v.nullable(v.string()),
  promoted: v.nullable(
    v.object({ routing_config_id: v.string(), version: v.number(), promoted_at: timestampSchema }),
  ),
  validation: v.pipe(
    v.nullable(validationView),
    v.description(
      "Once promoted: the replay's prediction checked against what the promoted version served " +
        '(docs/experiments.md, "Prediction checked against reality").',
    ),
  ),
  created_by: v.nullable(v.string()),
  created_at: timestampSchema,
  started_at: nullableTimestamp,
  completed_at: nullableTimestamp,
  updated_at: timestampSchema,
});
export type ExperimentView = v.InferOutput<typeof experimentView>;

export const experimentParams = v.object({ experiment_id: idSchema("The experiment's id.") });

export const listExperimentsQuery = v.object({
  ...paginationEntries,
  project_id: v.optional(v.string()),
  status: v.optional(v.picklist(EXPERIMENT_STATUSES)),
});

export const promoteExperimentBody = v.strictObject({
  message: v.optional(v.pipe(v.string(), v.maxLength(1000))),
  force: v.optional(v.pipe(v.boolean(), v.description("Promote although the verdict is fail."))),
});

export const promotionView = v.object({
  experiment: experimentView,
  routing_config: v.object({
    id: v.string(),
    slug: v.string(),
    version: v.number(),
    previous_version: v.nullable(v.number()),
  }),
});

export const replayLogParams = v.object({ request_id: idSchema("The request's id.") });

export const replayLogBody = v.strictObject({
  routing_config: v.pipe(
    v.union([v.string(), v.record(v.string(), v.unknown())]),
    v.description(
      'The candidate: a routing config object, "slug@version", or a slug (its current version).',
    ),
  ),
  created_at: v.optional(
    v.pipe(v.string(), v.isoTimestamp(), v.description("When the request was made, if known.")),
  ),
  send: v.optional(
    v.pipe(
      v.boolean(),
      v.description(
        "Also re-send the request (its captured prompt) through a private replay data plane " +
          "with routing_config deciding, and compare the answer with the recorded one. " +
          "Calls the provider: it costs what the request costs, plus the embedding and judge calls.",
      ),
    ),
  ),
  spend_cap_usd: v.optional(
    v.pipe(
      v.number(),
      v.gtValue(0),
      v.description("With send: refuse to send when the calls may cost more than this."),
    ),
  ),
  response_comparison: v.optional(responseComparisonSchema),
});

const traceCandidateView = v.object({
  target: v.string(),
  provider: v.nullable(v.string()),
  model: v.nullable(v.string()),
  status: v.string(),
  reason: v.string(),
  via: v.optional(v.array(v.string())),
  estimated_cost_usd: v.optional(v.number()),
  latency_ms: v.optional(v.number()),
});

export const replayView = v.object({
  request_id: v.string(),
  created_at: v.string(),
  project_id: v.string(),
  same_decision: v.boolean(),
  baseline: v.object({
    config: v.nullable(v.object({ slug: v.string(), version: v.nullable(v.number()) })),
    strategy: v.nullable(v.string()),
    model: v.nullable(v.string()),
    provider: v.nullable(v.string()),
    status: v.number(),
    cost_usd: v.nullable(v.number()),
    latency_ms: v.nullable(v.number()),
    trace: v.record(v.string(), v.unknown()),
  }),
  candidate: v.object({
    config: v.object({ slug: v.string(), source: v.string() }),
    strategy: v.nullable(v.string()),
    resolved: v.nullable(v.string()),
    reason: v.string(),
    decision: v.object({ winner: v.nullable(v.string()), provider: v.nullable(v.string()) }),
    candidates: v.array(traceCandidateView),
    planned: v.array(v.object({ kind: v.string(), provider: v.string(), model: v.string() })),
    estimated_cost_usd: v.nullable(v.number()),
    ab_variant: v.nullable(v.string()),
    error: v.nullable(v.string()),
  }),
  sent: v.pipe(v.nullable(resentView), v.description("With send: the re-sent request.")),
  notes: v.array(v.string()),
});
export type ReplayView = v.InferOutput<typeof replayView>;
