-- GET /manage/v1/analytics/report, the totals: the whole window of analytics_report.sql in one
-- row, with the same definitions (percentiles by quantile_cont over the rows with a latency).
-- Parameters: $files, $org_id, $project_id, $start, $end, $model, $provider, $end_user,
-- $tag_pairs.
WITH totals AS (
  SELECT
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    count(*) FILTER (WHERE status >= 400) AS errors,
    quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS latency_quantiles
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_model := $model,
    only_provider := $provider,
    only_end_user := $end_user,
    tag_pairs := $tag_pairs
  )
)
SELECT
  requests,
  cost_usd,
  input_tokens,
  output_tokens,
  errors,
  latency_quantiles[1] AS p50_latency_ms,
  latency_quantiles[2] AS p95_latency_ms,
  latency_quantiles[3] AS p99_latency_ms
FROM totals;
