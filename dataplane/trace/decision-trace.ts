// The decision trace of one request (DESIGN §6): what routing considered and why, what was
// tried and how it went, what it cost. Returned in the body under `mlx:trace` when the request
// asks, and always handed to the trace emitter for the warehouse.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { ProviderKeyIdentity } from "../pipeline/provider-keys.ts";
import type { TraceCandidate } from "../routing/plan.ts";
import type { RequestSpan } from "../telemetry/trace-context.ts";
import type { CapturedContent } from "./capture.ts";

export interface TraceAttempt {
  provider: string;
  model: string;
  /** What the attempt was for when not a plain try: "cascade step 2", "ensemble member 1", "judge". */
  role?: string;
  /** Milliseconds since the request arrived. */
  started_ms: number;
  latency_ms: number;
  ttft_ms?: number;
  status: number | "timeout" | "unreachable" | "skipped" | "aborted";
  error?: string;
  retry_after_s?: number;
  usage?: CanonicalUsage;
  cost_usd?: number;
  /** Cascade: whether this step's answer passed its acceptance check, and why. */
  accepted?: boolean;
  acceptance?: string;
  /** The fingerprint of the caller's key the attempt ran on (X-Modelux-Provider-Key). */
  provider_key?: string;
  /** The attempt's OpenTelemetry span, named in its upstream call's `traceparent`. */
  span_id?: string;
}

/** The response cache's part of a request whose config enables it (docs/caching.md). */
export interface CacheTraceDetail {
  mode: "exact" | "semantic";
  /** Why the cache was not read (or not written): mlx:cache.skip, cache-control, sampling, … */
  reason?: string;
  /** The request's exact key (also of the entry a fresh answer is stored under). */
  entry?: string;
  /** Whether a fresh answer is stored (false on hits and with no-store). */
  stored?: boolean;
  /** Hits: how old the entry is, its similarity (semantic), what the call would have cost. */
  age_ms?: number;
  similarity?: number;
  saved_usd?: number;
}

export interface TraceBudget {
  name: string;
  used_pct: number;
  action: string;
}

export interface DecisionTrace {
  request_id: string;
  /** Milliseconds since the epoch when the request arrived. */
  timestamp: number;
  node_id: string;
  org_id: string;
  project_id: string;
  key_id: string;
  surface: "openai" | "anthropic" | "responses";
  requested_model: string;
  config: { slug: string; version: number } | null;
  strategy: string | null;
  resolved: "config" | "direct" | "auto";
  candidates: TraceCandidate[];
  attempts: TraceAttempt[];
  budgets: TraceBudget[];
  ab_variant: string | null;
  /** The response cache (docs/caching.md): off (the config has none), miss, hit, or skip. */
  cache: "off" | "miss" | "hit" | "skip";
  cache_detail?: CacheTraceDetail;
  warnings: ConversionWarning[];
  dry_run: boolean;
  stream: boolean;
  fast_path: boolean;
  user: string | null;
  conversation_id: string | null;
  trace_id: string | null;
  /** The caller's `X-Request-Id`, echoed beside `X-Modelux-Request-Id`. */
  client_request_id?: string;
  /** The request's OpenTelemetry span when traces are exported (dataplane/telemetry). */
  span?: RequestSpan;
  tags: Record<string, string>;
  status: number;
  error?: { code: string; message: string };
  usage: CanonicalUsage | null;
  cost_usd: number | null;
  /** The catalog had no price for a model used; cost is the documented estimate. */
  cost_estimated?: boolean;
  latency_ms: number | null;
  ttft_ms: number | null;
  overhead_ms: number | null;
  routing_us: number;
  decision: { winner: string | null; provider: string | null; reason: string };
  /**
   * The request ran on the caller's own provider key (X-Modelux-Provider-Key): the key that
   * answered, else the plan's first; only its fingerprint and keyed hash, never the key.
   */
  provider_key?: ProviderKeyIdentity;
  /** The passthrough batch this is a result line of (its request-log row's `batch_id`). */
  batch_id?: string;
  /** A client's string (model, user, ids, tags) was cut to its bound when the trace started. */
  truncated?: boolean;
  /** Prompt and answer, only when the project captures content (redacted); not in `mlx:trace`. */
  content?: CapturedContent;
  /** What replay needs to re-decide the request (DESIGN §9). */
  request: {
    input_tokens: number;
    has_tools: boolean;
    has_images: boolean;
    wants_json: boolean;
    max_tokens: number | null;
    temperature: number | null;
  };
}
