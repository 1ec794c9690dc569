-- GET /manage/v1/logs/export?format=parquet: the filtered slice of an org's request logs, newest
-- first, every stored column but the trace, prompt and response, with the warehouse's own types
-- (project_id a column, tags a MAP), to the file $target. $limit is the row cap plus one: the
-- caller refuses a file that reaches it.
-- Parameters: $files, $target, $org_id, $project_id, $start, $end, $status_class, $model,
-- $provider, $end_user, $tag_pairs, $min_latency_ms, $limit.
-- Also $status (an exact HTTP status), $trace_id, $conversation_id and $route (a config slug).
COPY (
  SELECT * EXCLUDE (trace, prompt, response, date, hour)
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
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
  ORDER BY created_at DESC, request_id DESC
  LIMIT $limit
) TO $target (FORMAT parquet, COMPRESSION zstd);
