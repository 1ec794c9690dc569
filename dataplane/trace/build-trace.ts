// Assembles a request's decision trace from what the pipeline learned: the plan's candidates,
// the attempt records, usage and cost. Pure: the pipeline decides when to emit.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import type { AttemptRecord } from "../pipeline/execute-attempts.ts";
import type { ModeluxFields } from "../pipeline/request-context.ts";
import type { RoutePlan } from "../routing/plan.ts";
import type { RequestFeatures } from "../routing/request-features.ts";
import type { RuntimeApiKey } from "../snapshot/runtime-config.ts";
import type { DecisionTrace, TraceAttempt } from "./decision-trace.ts";
import { boundClientText, boundTags } from "./row-bounds.ts";

export function startTrace(input: {
  requestId: string;
  nodeId: string;
  key: RuntimeApiKey;
  surface: "openai" | "anthropic" | "responses";
  requestedModel: string;
  fields: ModeluxFields;
  stream: boolean;
  arrivedAtMs: number;
  features?: RequestFeatures;
}): DecisionTrace {
  const features = input.features;
  // Client strings are cut here, so neither the row nor `mlx:trace` repeats megabytes of them.
  wasCut = false;
  const requestedModel = boundClientText(input.requestedModel, markCut);
  const trace: DecisionTrace = {
    request_id: input.requestId,
    timestamp: input.arrivedAtMs,
    node_id: input.nodeId,
    org_id: input.key.orgId,
    project_id: input.key.projectId,
    key_id: input.key.id,
    surface: input.surface,
    requested_model: requestedModel,
    config: null,
    strategy: null,
    resolved: requestedModel.startsWith("@") ? "config" : "auto",
    candidates: [],
    attempts: [],
    budgets: [],
    ab_variant: null,
    cache: "off",
    warnings: [],
    dry_run: input.fields.dryRun,
    stream: input.stream,
    fast_path: false,
    user: boundOrNull(input.fields.user),
    conversation_id: boundOrNull(input.fields.conversationId),
    trace_id: boundOrNull(input.fields.traceId),
    tags: boundTags(input.fields.tags, markCut),
    status: 0,
    usage: null,
    cost_usd: null,
    latency_ms: null,
    ttft_ms: null,
    overhead_ms: null,
    routing_us: 0,
    decision: { winner: null, provider: null, reason: "" },
    request: {
      input_tokens: features?.inputTokens ?? 0,
      has_tools: features?.hasTools ?? false,
      has_images: features?.hasImages ?? false,
      wants_json: features?.wantsJson ?? false,
      max_tokens: features?.maxTokens ?? null,
      temperature: features?.temperature ?? null,
    },
  };
  if (wasCut) trace.truncated = true;
  if (input.fields.clientRequestId) trace.client_request_id = input.fields.clientRequestId;
  return trace;
}

// Whether startTrace cut a client string (module state rather than a closure per request: the
// function is synchronous).
let wasCut = false;
const markCut = () => {
  wasCut = true;
};
const boundOrNull = (value: string | null) =>
  value === null ? null : boundClientText(value, markCut);

export function applyPlan(trace: DecisionTrace, plan: RoutePlan, routingUs: number): void {
  trace.config = plan.config;
  trace.strategy = plan.strategy;
  trace.resolved = plan.resolved;
  trace.candidates = plan.candidates;
  trace.ab_variant = plan.abVariant;
  // The cache stage (dataplane/cache/cache-stage.ts) replaces "miss" with what it did.
  trace.cache = plan.cacheEnabled ? "miss" : "off";
  trace.routing_us = Math.round(routingUs * 10) / 10;
  trace.decision.reason = plan.reason;
}

/** Fills attempts, candidate outcomes and cost from the attempt records. */
export function applyAttempts(
  trace: DecisionTrace,
  plan: RoutePlan,
  records: readonly AttemptRecord[],
  served: AttemptRecord["attempt"] | null,
): void {
  let total = 0;
  let priced = false;
  let estimated = false;
  // A loop, not a callback per request (issue 20).
  const attempts: TraceAttempt[] = [];
  for (const record of records) {
    const entry: TraceAttempt = {
      provider: record.attempt.provider.name,
      model: record.attempt.model,
      started_ms: round(record.startedMs),
      latency_ms: round(record.latencyMs),
      status: record.status,
    };
    if (record.role !== undefined) entry.role = record.role;
    if (record.ttftMs !== undefined) entry.ttft_ms = round(record.ttftMs);
    if (record.error !== undefined) entry.error = record.error;
    if (record.retryAfterSeconds !== undefined) entry.retry_after_s = record.retryAfterSeconds;
    if (record.accepted !== undefined) entry.accepted = record.accepted;
    if (record.acceptance !== undefined) entry.acceptance = record.acceptance;
    if (record.attempt.providerKey) entry.provider_key = record.attempt.providerKey.fingerprint;
    if (record.spanId !== undefined) entry.span_id = record.spanId;
    if (record.usage !== undefined) {
      entry.usage = record.usage;
      const cost = costUsd(record.usage, record.attempt.info.price);
      entry.cost_usd = cost;
      total += cost;
      priced = true;
      if (!record.attempt.info.known) estimated = true;
    }
    const candidate = plan.candidates[record.attempt.candidate];
    if (candidate) {
      if (record.attempt === served) {
        candidate.status = "chosen";
      } else if (typeof record.status === "number" && record.status < 400) {
        // Answered but not returned: a cascade step that was not accepted, an outvoted member.
        if (record.accepted === false) {
          candidate.status = "failed";
          candidate.reason = `${candidate.reason}; not accepted: ${record.acceptance ?? ""}`;
        } else if (candidate.status !== "chosen") {
          candidate.status = "answered";
        }
      } else {
        candidate.status = record.status === "skipped" ? "skipped" : "failed";
        candidate.reason = `${candidate.reason}; ${describeFailure(record)}`;
      }
    }
    attempts.push(entry);
  }
  trace.attempts = attempts;
  // Planned but never tried: a fallback that was not needed.
  for (const candidate of plan.candidates)
    if (candidate.status === "planned" && !trace.dry_run) candidate.status = "unused";
  if (served) {
    trace.decision.winner = served.model;
    trace.decision.provider = served.provider.name;
    if (served.providerKey) trace.provider_key = served.providerKey;
  }
  if (priced) trace.cost_usd = total;
  if (estimated) trace.cost_estimated = true;
}

/** Usage known only after the answer was read (the fast path, streams). */
export function applyServedUsage(
  trace: DecisionTrace,
  records: AttemptRecord[],
  served: AttemptRecord["attempt"],
  usage: CanonicalUsage | null,
): void {
  if (usage === null) return;
  trace.usage = usage;
  for (let index = records.length - 1; index >= 0; index--) {
    const record = records[index];
    if (record?.attempt === served && record.usage === undefined) {
      record.usage = usage;
      break;
    }
  }
}

function describeFailure(record: AttemptRecord): string {
  switch (record.status) {
    case "timeout":
      return `timeout after ${Math.round(record.latencyMs)} ms`;
    case "unreachable":
      return "unreachable";
    case "skipped":
      return `skipped: ${record.error ?? "cannot be called"}`;
    case "aborted":
      return "aborted by the client";
    default:
      return `HTTP ${record.status}${record.error ? ` (${record.error})` : ""}${
        record.retryAfterSeconds !== undefined ? `, retry-after ${record.retryAfterSeconds} s` : ""
      }`;
  }
}

const round = (value: number) => Math.round(value * 100) / 100;
