-- GET /manage/v1/analytics/report, the series: per time bucket ($granularity 'hour' or 'day')
-- and group, the requests, cost, tokens, errors (status >= 400) and latency percentiles.
-- $group_by is 'model', 'provider', 'project', 'end_user', 'tag' (the value of tag $tag_key) or
-- NULL (one group, NULL). Rows without the dimension (no end user, no such tag, no model because
-- routing refused the request) form the NULL group.
-- Percentiles are quantile_cont: exact, interpolated linearly between the two nearest ranks, over
-- the rows with a latency. Exact rather than approx_quantile (a t-digest) so that a figure is the
-- same on every run and can be checked; DuckDB holds each group's latencies in memory while it
-- sorts them, 8 bytes a row, which a window of tens of millions of rows still affords.
-- Parameters: $files, $org_id, $project_id, $start, $end, $model, $provider, $end_user,
-- $tag_pairs, $granularity, $group_by, $tag_key.
WITH grouped AS (
  SELECT
    date_trunc($granularity, created_at) AS bucket,
    CASE $group_by
      WHEN 'model' THEN model
      WHEN 'provider' THEN provider
      WHEN 'project' THEN project_id
      WHEN 'end_user' THEN end_user
      WHEN 'tag' THEN tags[$tag_key]
    END AS group_value,
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
  GROUP BY bucket, group_value
)
SELECT
  bucket,
  group_value,
  requests,
  cost_usd,
  input_tokens,
  output_tokens,
  errors,
  latency_quantiles[1] AS p50_latency_ms,
  latency_quantiles[2] AS p95_latency_ms,
  latency_quantiles[3] AS p99_latency_ms
FROM grouped
ORDER BY bucket, group_value NULLS LAST;
