// Request logs as the Management API shows them: the warehouse's rows (shared/traces), without
// the trace, prompt and response in lists; one request at a time carries those.
import * as v from "valibot";
import { idSchema, timestampSchema } from "../../api/schemas.ts";

export const MAX_TAG_PAIRS = 10;

/**
 * A tags filter as pairs: `team=ml,env=prod`, or a JSON object of string values (modelux.ai's
 * form); null when it is neither, or names more than MAX_TAG_PAIRS.
 */
export function tagPairsOf(text: string): Array<{ key: string; value: string }> | null {
  let pairs: Array<{ key: string; value: string }>;
  if (text.trimStart().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
    const entries = Object.entries(parsed);
    if (entries.some(([key, value]) => key === "" || typeof value !== "string")) return null;
    pairs = entries.map(([key, value]) => ({ key, value: value as string }));
  } else {
    if (!TAG_TEXT.test(text)) return null;
    pairs = text.split(",").map((pair) => {
      const at = pair.indexOf("=");
      return { key: pair.slice(0, at), value: pair.slice(at + 1) };
    });
  }
  return pairs.length >= 1 && pairs.length <= MAX_TAG_PAIRS ? pairs : null;
}

const TAG_TEXT = new RegExp(`^[^=,]+=[^,]*(,[^=,]+=[^,]*){0,${MAX_TAG_PAIRS - 1}}$`);

const isoQuery = (description: string) =>
  v.optional(
    v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 timestamp"), v.description(description)),
  );

/** The filters shared by the list, the export and (some of them) the analytics. */
export const logFilterEntries = {
  project_id: v.optional(idSchema("Only this project's requests.")),
  start: isoQuery("Requests at or after this instant."),
  end: isoQuery("Requests before this instant."),
  status_class: v.optional(
    v.pipe(v.picklist(["2xx", "4xx", "5xx"]), v.description("Only answers of this status class.")),
  ),
  status: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^([245]xx|[1-5]\d\d)$/, "must be 2xx, 4xx, 5xx or an HTTP status such as 429"),
      v.description(
        "A status class (2xx, 4xx, 5xx: the same as status_class, modelux.ai's name) or one " +
          "exact HTTP status (429).",
      ),
    ),
  ),
  trace_id: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(256),
      v.description("Requests of this trace (X-Modelux-Trace-Id or metadata.trace_id)."),
    ),
  ),
  conversation_id: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(256),
      v.description(
        "Requests of this conversation (X-Modelux-Conversation-Id or metadata.conversation_id).",
      ),
    ),
  ),
  route: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, "must be a routing config's slug, such as @default"),
      v.description(
        "Requests that resolved through this routing config (its slug, with or without @; the " +
          "rows' config_slug). Requests that named a model directly have none.",
      ),
    ),
  ),
  model: v.optional(
    v.pipe(v.string(), v.description("The model that answered (or was tried last).")),
  ),
  provider: v.optional(v.pipe(v.string(), v.description("The provider (by name) that answered."))),
  end_user: v.optional(v.pipe(v.string(), v.description("The end user the request named."))),
  tags: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (text) => tagPairsOf(text) !== null,
        `must be up to ${MAX_TAG_PAIRS} comma-separated key=value pairs, or a JSON object of ` +
          "string values",
      ),
      v.description(
        `Requests carrying every one of these tags: up to ${MAX_TAG_PAIRS} key=value pairs, ` +
          'comma-separated (team=ml,env=prod), or a JSON object ({"team":"ml"}, as modelux.ai ' +
          "documents).",
      ),
    ),
  ),
  min_latency_ms: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description("Requests that took at least this long.")),
  ),
};

export const listLogsQuery = v.object({
  ...logFilterEntries,
  limit: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(100),
      v.description("Items per page, 1-100 (default 50)."),
    ),
  ),
  cursor: v.optional(
    v.pipe(v.string(), v.maxLength(200), v.description("The `next_cursor` of the previous page.")),
  ),
});

export const exportLogsQuery = v.object({
  ...logFilterEntries,
  format: v.pipe(v.picklist(["csv", "jsonl", "parquet"]), v.description("The file's format.")),
});

export const logParams = v.object({ request_id: idSchema("The request's id (x-request-id).") });

export const getLogQuery = v.object({
  created_at: isoQuery(
    "When the request was made, as the list shows it: only the files of that hour are read. " +
      "Not needed for UUIDv7 request ids, which carry their time.",
  ),
});

const count = v.pipe(v.number(), v.integer());

export const logSummaryView = v.object({
  request_id: v.string(),
  created_at: timestampSchema,
  project_id: v.string(),
  key_id: v.string(),
  node_id: v.string(),
  surface: v.string(),
  config_slug: v.nullable(v.string()),
  config_version: v.nullable(count),
  strategy: v.nullable(v.string()),
  resolved: v.string(),
  requested_model: v.string(),
  model: v.nullable(v.string()),
  provider: v.nullable(v.string()),
  status: count,
  error_class: v.nullable(v.string()),
  attempts: count,
  fallbacks: count,
  input_tokens: count,
  output_tokens: count,
  cached_tokens: count,
  cache_write_tokens: count,
  reasoning_tokens: count,
  cost_usd: v.number(),
  cost_estimated: v.boolean(),
  latency_ms: v.nullable(v.number()),
  ttft_ms: v.nullable(v.number()),
  overhead_ms: v.nullable(v.number()),
  cache: v.string(),
  ab_variant: v.nullable(v.string()),
  tags: v.record(v.string(), v.string()),
  end_user: v.nullable(v.string()),
  trace_id: v.nullable(v.string()),
  conversation_id: v.nullable(v.string()),
  dry_run: v.boolean(),
  stream: v.boolean(),
  decision_reason: v.string(),
  provider_key_fingerprint: v.pipe(
    v.nullable(v.string()),
    v.description(
      "The request ran on the caller's own provider key (X-Modelux-Provider-Key): its masked " +
        "fingerprint, e.g. sk-proj-…TA0A. Null on the org's stored credentials.",
    ),
  ),
  provider_key_hash: v.pipe(
    v.nullable(v.string()),
    v.description(
      "HMAC-SHA256 (hex) of that key under the deployment's secret: one value per key, to " +
        "group by; the key itself is never stored.",
    ),
  ),
  batch_id: v.pipe(
    v.nullable(v.string()),
    v.description(
      "The passthrough batch this row is a result line of (cost at the batch price); null for " +
        "requests.",
    ),
  ),
  client_request_id: v.pipe(
    v.nullable(v.string()),
    v.description(
      "The caller's own X-Request-Id, when it sent one (a gateway-run batch line's is " +
        "<batch>-<line>-<attempt>); null otherwise and for rows written before the column.",
    ),
  ),
  cache_saved_usd: v.pipe(
    v.nullable(v.number()),
    v.description(
      "A response-cache hit: what the provider call it replaced would have cost (the row's own " +
        "cost_usd is 0). Null when the cache did not answer.",
    ),
  ),
  cache_similarity: v.pipe(
    v.nullable(v.number()),
    v.description("A semantic cache hit: the cosine similarity of the entry that answered."),
  ),
});

export const logDetailView = v.object({
  ...logSummaryView.entries,
  budgets: v.pipe(
    v.array(v.unknown()),
    v.description("The budgets that applied: [{name, used_pct, action}]."),
  ),
  request: v.pipe(
    v.object({
      input_tokens: count,
      has_tools: v.boolean(),
      has_images: v.boolean(),
      wants_json: v.boolean(),
      max_tokens: v.nullable(count),
      temperature: v.nullable(v.number()),
    }),
    v.description("The request's features, as routing saw them (what replay re-decides from)."),
  ),
  prompt: v.pipe(
    v.nullable(v.string()),
    v.description("Captured only when the project enables capture_content, redacted."),
  ),
  response: v.nullable(v.string()),
  truncated: v.pipe(
    v.boolean(),
    v.description(
      "Something was cut to fit the row in one bus message: a client string over its bound, " +
        "the captured prompt or response, or the trace's detail (docs/warehouse.md).",
    ),
  ),
});

export const logTraceView = v.object({
  request_id: v.string(),
  created_at: timestampSchema,
  trace: v.pipe(
    v.record(v.string(), v.unknown()),
    v.description("The decision trace: candidates, attempts, budgets, decision (docs/routing.md)."),
  ),
});
