// The access log (MODELUX_ACCESS_LOG=on): one line per finished request with who asked (ids, no
// key), where it went, how it ended and what it cost. Never content, never a key: the fields are
// picked from the decision trace one by one.
import type { DecisionTrace } from "../trace/decision-trace.ts";
import type { RequestOperation } from "./request-metrics.ts";

export function accessLogFields(
  trace: DecisionTrace,
  operation: RequestOperation,
): Record<string, unknown> {
  const usage = trace.usage;
  const fields: Record<string, unknown> = {
    request_id: trace.request_id,
    client_request_id: trace.client_request_id ?? null,
    org_id: trace.org_id,
    project_id: trace.project_id,
    key_id: trace.key_id,
    surface: trace.surface,
    operation,
    route: trace.config ? `@${trace.config.slug}` : "direct",
    requested_model: trace.requested_model,
    provider: trace.decision.provider,
    model: trace.decision.winner,
    status: trace.status,
    error: trace.error?.code ?? null,
    stream: trace.stream,
    latency_ms: trace.latency_ms,
    ttft_ms: trace.ttft_ms,
    overhead_ms: trace.overhead_ms,
    attempts: trace.attempts.length,
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cached_tokens: usage?.cacheReadTokens ?? 0,
    cost_usd: trace.cost_usd,
  };
  if (trace.span) fields.trace_id = trace.span.trace_id;
  return fields;
}
