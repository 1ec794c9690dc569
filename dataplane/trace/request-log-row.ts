// A finished decision trace as the request-log row the warehouse stores (shared/traces).
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import type { DecisionTrace } from "./decision-trace.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES, fitRow, rowBudgetFor } from "./row-bounds.ts";

const DEFAULT_BUDGET_BYTES = rowBudgetFor(DEFAULT_MAX_PAYLOAD_BYTES);

/** The row, fitted to `budgetBytes` of JSON (row-bounds.ts): one bus message must carry it. */
export function requestLogRow(
  trace: DecisionTrace,
  budgetBytes = DEFAULT_BUDGET_BYTES,
): RequestLogRow {
  const usage = trace.usage;
  // Counted in one pass, without the two filtered arrays this took before (bench/overhead).
  let attempts = 0;
  let plainAttempts = 0;
  let lastTried: (typeof trace.attempts)[number] | null = null;
  for (const attempt of trace.attempts) {
    if (attempt.status === "skipped") continue;
    attempts += 1;
    lastTried = attempt;
    if (attempt.role === undefined) plainAttempts += 1;
  }
  const content = trace.content;
  // Copied without `content` only when there is some: JSON.stringify leaves out an absent field
  // anyway, and copying ~40 fields on every request is measurable (bench/overhead).
  const decision = content === undefined ? trace : withoutContent(trace);
  const row: RequestLogRow = {
    request_id: trace.request_id,
    created_at: isoTimestamp(trace.timestamp),
    project_id: trace.project_id,
    org_id: trace.org_id,
    key_id: trace.key_id,
    node_id: trace.node_id,
    surface: trace.surface,
    config_slug: trace.config?.slug ?? null,
    config_version: trace.config?.version ?? null,
    strategy: trace.strategy,
    resolved: trace.resolved,
    requested_model: trace.requested_model,
    // The model that answered, or the one tried last when none did (a failed request counts
    // against the model and provider that failed it: logs, analytics, provider health); null
    // only when no upstream was tried (refused before routing, or by routing).
    model: trace.decision.winner ?? lastTried?.model ?? null,
    provider:
      trace.decision.winner !== null ? trace.decision.provider : (lastTried?.provider ?? null),
    status: trace.status,
    error_class: trace.error?.code ?? null,
    attempts,
    // Attempts before the one that answered, in plain fallback order (composites count theirs).
    fallbacks: Math.max(0, plainAttempts - 1),
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cached_tokens: usage?.cacheReadTokens ?? 0,
    cache_write_tokens: usage?.cacheWriteTokens ?? 0,
    reasoning_tokens: usage?.reasoningTokens ?? 0,
    cost_usd: trace.cost_usd ?? 0,
    cost_estimated: trace.cost_estimated === true,
    latency_ms: trace.latency_ms,
    ttft_ms: trace.ttft_ms,
    overhead_ms: trace.overhead_ms,
    cache: trace.cache,
    ab_variant: trace.ab_variant,
    budgets: JSON.stringify(trace.budgets),
    tags: trace.tags,
    end_user: trace.user,
    trace_id: trace.trace_id,
    conversation_id: trace.conversation_id,
    dry_run: trace.dry_run,
    stream: trace.stream,
    req_input_tokens: trace.request.input_tokens,
    req_has_tools: trace.request.has_tools,
    req_has_images: trace.request.has_images,
    req_wants_json: trace.request.wants_json,
    req_max_tokens: trace.request.max_tokens,
    req_temperature: trace.request.temperature,
    decision_reason: trace.decision.reason,
    trace: JSON.stringify(decision),
    prompt: content?.prompt ?? null,
    response: content?.response ?? null,
    truncated: trace.truncated === true,
    provider_key_fingerprint: trace.provider_key?.fingerprint ?? null,
    provider_key_hash: trace.provider_key?.hash ?? null,
    batch_id: trace.batch_id ?? null,
    cache_saved_usd: trace.cache === "hit" ? (trace.cache_detail?.saved_usd ?? null) : null,
    cache_similarity: trace.cache === "hit" ? (trace.cache_detail?.similarity ?? null) : null,
    client_request_id: trace.client_request_id ?? null,
  };
  return fitRow(row, budgetBytes);
}

function withoutContent(trace: DecisionTrace): Omit<DecisionTrace, "content"> {
  const { content: _content, ...decision } = trace;
  return decision;
}

// `Date#toISOString` for the row's timestamp, with the part down to the second cached: most
// rows of a busy node share it, and formatting a Date per request showed in profiles.
let cachedSecond = Number.NaN;
let cachedPrefix = "";

export function isoTimestamp(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years outside 0000-9999 have a longer form: no prefix caching for them.
    if (iso.length !== 24) return new Date(ms).toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}
