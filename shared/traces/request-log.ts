// The request log (DESIGN §9): one row per request with its decision trace and everything
// replay needs. Data planes send rows on MODELUX_TRACES; the control plane writes them to
// Hive-partitioned Parquet (`project_id=/date=/hour=`) that DuckDB (and analysts) query. The
// column list below is the one declaration of the Parquet schema.

/** DuckDB types of the stored columns, in file order. Partition columns come from the path. */
export const REQUEST_LOG_COLUMNS = {
  request_id: "VARCHAR",
  created_at: "TIMESTAMP",
  org_id: "VARCHAR",
  key_id: "VARCHAR",
  node_id: "VARCHAR",
  surface: "VARCHAR",
  config_slug: "VARCHAR",
  config_version: "INTEGER",
  strategy: "VARCHAR",
  resolved: "VARCHAR",
  requested_model: "VARCHAR",
  model: "VARCHAR",
  provider: "VARCHAR",
  status: "INTEGER",
  error_class: "VARCHAR",
  attempts: "INTEGER",
  fallbacks: "INTEGER",
  input_tokens: "BIGINT",
  output_tokens: "BIGINT",
  cached_tokens: "BIGINT",
  cache_write_tokens: "BIGINT",
  reasoning_tokens: "BIGINT",
  cost_usd: "DOUBLE",
  cost_estimated: "BOOLEAN",
  latency_ms: "DOUBLE",
  ttft_ms: "DOUBLE",
  overhead_ms: "DOUBLE",
  cache: "VARCHAR",
  ab_variant: "VARCHAR",
  budgets: "VARCHAR",
  tags: "MAP(VARCHAR, VARCHAR)",
  end_user: "VARCHAR",
  trace_id: "VARCHAR",
  conversation_id: "VARCHAR",
  dry_run: "BOOLEAN",
  stream: "BOOLEAN",
  req_input_tokens: "INTEGER",
  req_has_tools: "BOOLEAN",
  req_has_images: "BOOLEAN",
  req_wants_json: "BOOLEAN",
  req_max_tokens: "INTEGER",
  req_temperature: "DOUBLE",
  decision_reason: "VARCHAR",
  trace: "VARCHAR",
  prompt: "VARCHAR",
  response: "VARCHAR",
  truncated: "BOOLEAN",
  provider_key_fingerprint: "VARCHAR",
  provider_key_hash: "VARCHAR",
  batch_id: "VARCHAR",
  cache_saved_usd: "DOUBLE",
  cache_similarity: "DOUBLE",
  client_request_id: "VARCHAR",
} as const;

export type RequestLogColumn = keyof typeof REQUEST_LOG_COLUMNS;

/** The partition columns, in path order: `project_id=…/date=YYYY-MM-DD/hour=HH`. */
export const PARTITION_COLUMNS = ["project_id", "date", "hour"] as const;

/**
 * One row as it travels on the bus (JSON): the stored columns plus `project_id`. `created_at`
 * is ISO 8601 UTC; `tags` an object; `budgets` and `trace` JSON text; `date`/`hour` are derived
 * from `created_at` by the writer.
 */
// A type alias, not an interface: it must fit the bus's loose TraceRecord (an index signature).
export type RequestLogRow = {
  request_id: string;
  created_at: string;
  project_id: string;
  org_id: string;
  key_id: string;
  node_id: string;
  surface: string;
  config_slug: string | null;
  config_version: number | null;
  strategy: string | null;
  resolved: string;
  requested_model: string;
  /**
   * The model (and provider, by name) that answered, or that was tried last when none did; null
   * when no upstream was tried. Rows written before 2026-12-06 carry null for failed requests.
   */
  model: string | null;
  provider: string | null;
  status: number;
  error_class: string | null;
  attempts: number;
  fallbacks: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cost_estimated: boolean;
  latency_ms: number | null;
  ttft_ms: number | null;
  overhead_ms: number | null;
  cache: string;
  ab_variant: string | null;
  /** JSON: `[{name, used_pct, action}]`. */
  budgets: string;
  tags: Record<string, string>;
  end_user: string | null;
  trace_id: string | null;
  conversation_id: string | null;
  dry_run: boolean;
  stream: boolean;
  req_input_tokens: number;
  req_has_tools: boolean;
  req_has_images: boolean;
  req_wants_json: boolean;
  req_max_tokens: number | null;
  req_temperature: number | null;
  decision_reason: string;
  /** The decision trace (DESIGN §6), JSON. */
  trace: string;
  /** Captured only when the project enables `capture_content`, after its redaction. */
  prompt: string | null;
  response: string | null;
  /**
   * Something was cut to keep the row within one bus message (dataplane/trace/row-bounds.ts): a
   * client string over its bound, captured content, or the trace. NULL in files written before
   * the column existed.
   */
  truncated: boolean;
  /**
   * The request ran on the caller's own provider key (X-Modelux-Provider-Key): its masked
   * fingerprint (`sk-proj-…TA0A`) and its HMAC-SHA256 under the deployment's secret, never the
   * key. NULL for requests on stored credentials, and in files written before the columns.
   */
  provider_key_fingerprint: string | null;
  provider_key_hash: string | null;
  /**
   * The batch a row is a result line of (a passthrough batch's id, `batch_…` / `msgbatch_…`), its
   * cost at the batch price; NULL for requests, and in files written before the column.
   */
  batch_id: string | null;
  /**
   * A response-cache hit (`cache` = "hit"): what the upstream call it replaced cost, and for a
   * semantic hit the similarity of the stored conversation. NULL otherwise, and in files written
   * before the columns.
   */
  cache_saved_usd: number | null;
  cache_similarity: number | null;
  /**
   * The caller's `X-Request-Id`; a gateway-run batch's line sends `<batch>-<line>-<attempt>`, by
   * which a restarted batch worker finds the lines a crashed one had answered. NULL when the
   * caller sent none, and in files written before the column.
   */
  client_request_id: string | null;
  /**
   * Not a column: a gateway-run batch line's answer body (JSON text), carried in the write-ahead
   * log and on the bus beside its row so a line answered just before its control plane died
   * keeps its answer (dataplane/trace/wal-emitter.ts, controlplane/batches/kept-answers.ts). The
   * ingester never writes it to the request log.
   */
  batch_answer?: string;
};

/** `date=YYYY-MM-DD/hour=HH` of a row, UTC. */
export function partitionOf(createdAt: string): { date: string; hour: string } {
  return { date: createdAt.slice(0, 10), hour: createdAt.slice(11, 13) };
}
