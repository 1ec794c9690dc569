-- GET /manage/v1/analytics/report, when it reads rollup cells (a report by day whose window holds
-- whole days; controlplane/warehouse/query.ts): per time bucket ($granularity) and group, and
-- once for the whole window (the row with is_totals), the requests, cost, tokens, errors
-- (status >= 400), response-cache hits, their share of the requests and the cost they saved
-- (what the replaced upstream calls would have cost), and p50/p95/p99 latency.
-- $group_by is 'model', 'provider', 'project', 'end_user', 'tag' (the value of tag $tag_key),
-- 'provider_key' (the fingerprint of the caller's own provider key), 'route' (the routing config
-- the request resolved through, config_slug) or NULL (one group, NULL).
-- Rows without the dimension (no end user, no such tag, no own key, no config because the request
-- named a model, no model because routing refused the request) form the NULL group.
-- It reads request-log rows ($files), compaction's slim rows ($slim: the same rows, only the
-- report's columns; both through the macro report_rows, request_logs.sql) and its day cells
-- ($rollups); the caller hands each request to exactly one of them
-- (controlplane/warehouse/rollups.ts). Cells carry no end user, no tags, no provider key
-- and no route: a report that groups or filters by those reads rows and slim rows only, through
-- analytics_report_rows.sql, which answers the same as this file for the same rows.
-- Percentiles come from the latency sketch (request_logs.sql): the bucket holding the value of
-- rank ceil(q * n) (1-based, at least 1: the nearest-rank percentile, what quantile_disc gives)
-- among the n rows with a latency, within 1 % of that row's latency. Rows and cells are merged
-- as counts per sketch bucket, and the rank found by a running count over the buckets.
-- A capped report (group_limit) keeps the groups $kept_groups (and the NULL group when
-- $kept_null) and merges every other into one row per bucket, is_other (its group_value NULL),
-- whose percentiles are those of its own rows; $kept_groups NULL keeps every group. The totals
-- are the same either way.
-- Parameters: $files, $slim, $rollups, $org_id, $project_id, $start, $end, $model, $provider,
-- $end_user, $tag_pairs, $granularity, $group_by, $tag_key, $kept_groups, $kept_null.
WITH cells AS (
  SELECT
    date_trunc($granularity, created_at) AS bucket,
    group_value,
    latency_k,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE cache_hit) AS cache_hits,
    coalesce(sum(cache_saved_usd), 0) AS cache_saved_usd
  FROM report_rows(
    $files,
    $slim,
    $org_id,
    $group_by,
    $tag_key,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_model := $model,
    only_provider := $provider,
    only_end_user := $end_user,
    tag_pairs := $tag_pairs
  )
  GROUP BY ALL
  UNION ALL
  SELECT
    date_trunc($granularity, bucket),
    report_cell_group($group_by, model, provider, project_id),
    latency_k,
    requests,
    cost_usd,
    input_tokens,
    output_tokens,
    errors,
    coalesce(cache_hits, 0),
    coalesce(cache_saved_usd, 0)
  FROM request_log_rollups(
    $rollups,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_model := $model,
    only_provider := $provider
  )
),
-- A capped report's groups beyond those kept, merged per bucket into one row (is_other).
mapped AS (
  SELECT
    bucket,
    is_other,
    CASE WHEN is_other THEN NULL ELSE group_value END AS group_value,
    latency_k,
    requests,
    cost_usd,
    input_tokens,
    output_tokens,
    errors,
    cache_hits,
    cache_saved_usd
  FROM (SELECT *, report_other(group_value, $kept_groups, $kept_null) AS is_other FROM cells)
),
sketch AS (
  SELECT
    grouping(bucket, is_other, group_value) <> 0 AS is_totals,
    bucket,
    is_other,
    group_value,
    latency_k,
    sum(requests) AS requests,
    sum(cost_usd) AS cost_usd,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(errors) AS errors,
    sum(cache_hits) AS cache_hits,
    sum(cache_saved_usd) AS cache_saved_usd
  FROM mapped
  GROUP BY GROUPING SETS ((bucket, is_other, group_value, latency_k), (latency_k))
),
ranked AS (
  SELECT
    *,
    -- the rows with a latency, and how many of them lie in this latency bucket or below
    sum(CASE WHEN latency_k IS NOT NULL THEN requests END)
      OVER (PARTITION BY is_totals, bucket, is_other, group_value) AS timed,
    sum(requests) OVER (
      PARTITION BY is_totals, bucket, is_other, group_value
      ORDER BY latency_k ASC NULLS LAST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS up_to
  FROM sketch
)
SELECT
  is_totals,
  bucket,
  is_other,
  group_value,
  CAST(sum(requests) AS BIGINT) AS requests,
  sum(cost_usd) AS cost_usd,
  CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
  CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
  CAST(sum(errors) AS BIGINT) AS errors,
  CAST(sum(cache_hits) AS BIGINT) AS cache_hits,
  CAST(sum(cache_hits) / sum(requests) AS DOUBLE) AS cache_hit_rate,
  sum(cache_saved_usd) AS cache_saved_usd,
  latency_of_bucket(min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.5 * timed)))) AS p50_latency_ms,
  latency_of_bucket(min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.95 * timed)))) AS p95_latency_ms,
  latency_of_bucket(min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.99 * timed)))) AS p99_latency_ms
FROM ranked
GROUP BY is_totals, bucket, is_other, group_value
ORDER BY is_totals, is_other, bucket, group_value NULLS LAST;
