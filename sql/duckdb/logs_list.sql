-- GET /manage/v1/logs: one page of an org's request logs, newest first, without the trace, the
-- prompt or the response (those are for one request at a time: log_get.sql).
-- Keyset pagination on (created_at, request_id): the cursor is the last row of the previous
-- page, and the window's end is pulled back to it so that deep pages skip newer partitions.
-- Parameters: $files, $org_id, $project_id, $start, $end, $status_class, $model, $provider,
-- $end_user, $tag_pairs, $min_latency_ms, $cursor_created_at, $cursor_request_id, $limit.
-- Also $status (an exact HTTP status), $trace_id, $conversation_id and $route (a config slug).
SELECT
  request_id,
  created_at,
  epoch_us(created_at) AS created_at_us,
  project_id,
  key_id,
  node_id,
  surface,
  config_slug,
  config_version,
  strategy,
  resolved,
  requested_model,
  model,
  provider,
  status,
  error_class,
  attempts,
  fallbacks,
  input_tokens,
  output_tokens,
  cached_tokens,
  cache_write_tokens,
  reasoning_tokens,
  cost_usd,
  cost_estimated,
  latency_ms,
  ttft_ms,
  overhead_ms,
  cache,
  ab_variant,
  tags,
  end_user,
  trace_id,
  conversation_id,
  dry_run,
  stream,
  decision_reason,
  provider_key_fingerprint,
  provider_key_hash,
  batch_id,
  client_request_id,
  cache_saved_usd,
  cache_similarity
FROM request_log_slice(
  $files,
  $org_id,
  project := $project_id,
  window_start := $start,
  window_end := least($end, CAST($cursor_created_at AS TIMESTAMP) + INTERVAL 1 MICROSECOND),
  status_class := $status_class,
  only_model := $model,
  only_provider := $provider,
  only_end_user := $end_user,
  tag_pairs := $tag_pairs,
  min_latency_ms := $min_latency_ms,
  only_status := $status,
  only_trace := $trace_id,
  only_conversation := $conversation_id,
  only_route := $route
)
WHERE $cursor_created_at IS NULL
  OR created_at < $cursor_created_at
  OR (created_at = $cursor_created_at AND request_id < $cursor_request_id)
ORDER BY created_at DESC, request_id DESC
LIMIT $limit;
