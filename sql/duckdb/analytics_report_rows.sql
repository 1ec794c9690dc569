-- GET /manage/v1/analytics/report, when it reads no rollup cells (by hour, by end user, tag,
-- provider key or route, filtered by end user or tags, or with no whole day in its window;
-- controlplane/warehouse/query.ts): the same answer as analytics_report.sql, from request-log
-- rows ($files) and compaction's slim rows ($slim) only, each request read from exactly one of
-- them (controlplane/warehouse/rollups.ts; the macro report_rows in request_logs.sql).
-- One aggregation: per time bucket ($granularity) and group, and once for the whole window (the
-- row with is_totals), the requests, cost, tokens, errors (status >= 400), response-cache hits,
-- their share and the cost they saved, and p50/p95/p99 latency. $group_by is 'model',
-- 'provider', 'project', 'end_user', 'tag' (the value of tag $tag_key), 'provider_key', 'route'
-- or NULL (one group, NULL); rows without the dimension form the NULL group.
-- A capped report (group_limit) keeps the groups $kept_groups (and the NULL group when
-- $kept_null) and merges every other into one row per bucket, is_other (its group_value NULL),
-- whose percentiles are those of its own rows; $kept_groups NULL keeps every group. The totals
-- are the same either way.
-- Percentiles: quantile_disc of the rows' latency sketch buckets (request_logs.sql), the bucket of
-- rank ceil(q * n) (1-based, at least 1) among the n rows with a latency: exactly what
-- analytics_report.sql finds from counts per bucket, here by a selection within each group rather
-- than a count per (group, bucket) and a running sum over them, which cost ~3x the CPU when
-- groups are small (a month by end user: ~180,000 groups of ~20 requests). The totals are the
-- one group where counts per bucket are cheaper: a second grouping set by latency bucket (~1,000
-- groups) and a running count over it, instead of a selection among every row of the window
-- (docs/warehouse.md: ~30 ms against ~170 ms of a month's report by hour and end user).
-- A capped report's rows join its kept groups and are grouped by their place in $kept_groups,
-- an integer, rather than by the text of the group: ~0.1-0.2 s less of such a report's ~0.7 s.
-- Parameters: $files, $slim, $org_id, $project_id, $start, $end, $model, $provider, $end_user,
-- $tag_pairs, $granularity, $group_by, $tag_key, $kept_groups, $kept_null.
WITH kept AS (
  SELECT unnest($kept_groups) AS kept_value, generate_subscripts($kept_groups, 1) AS kept_index
),
report AS (
  SELECT
    date_trunc($granularity, created_at) AS bucket,
    CASE
      WHEN $kept_groups IS NULL THEN false
      WHEN rows.group_value IS NULL THEN NOT $kept_null
      ELSE kept.kept_index IS NULL
    END AS is_other,
    kept.kept_index,
    -- A capped report's kept groups are named by kept_index; an uncapped one's by their value.
    CASE WHEN $kept_groups IS NULL THEN rows.group_value END AS group_value,
    -- the measures' columns, as report_rows gives them
    rows.* EXCLUDE (created_at, group_value)
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
  ) AS rows
  LEFT JOIN kept ON rows.group_value = kept.kept_value
),
grouped AS (
  SELECT
    -- the second grouping set: one row per latency bucket, for the totals
    grouping(latency_k) = 0 AS by_latency,
    bucket,
    is_other,
    kept_index,
    group_value,
    latency_k,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE cache_hit) AS cache_hits,
    coalesce(sum(cache_saved_usd), 0) AS cache_saved_usd,
    quantile_disc(latency_k, [0.5, 0.95, 0.99]) AS latency_ks
  FROM report
  GROUP BY GROUPING SETS ((bucket, is_other, kept_index, group_value), (latency_k))
),
series AS (
  SELECT
    false AS is_totals,
    bucket,
    is_other,
    coalesce($kept_groups[kept_index], group_value) AS group_value,
    requests,
    cost_usd,
    input_tokens,
    output_tokens,
    errors,
    cache_hits,
    latency_ks[1] AS p50_k,
    latency_ks[2] AS p95_k,
    latency_ks[3] AS p99_k,
    cache_saved_usd
  FROM grouped
  WHERE NOT by_latency
),
-- The totals from the rows per latency bucket: the rows with a latency, and how many of them lie
-- in this bucket or below; the percentile is the first bucket reaching its rank.
ranked AS (
  SELECT
    *,
    sum(CASE WHEN latency_k IS NOT NULL THEN requests END) OVER () AS timed,
    sum(requests) OVER (ORDER BY latency_k ASC NULLS LAST ROWS UNBOUNDED PRECEDING) AS up_to
  FROM grouped
  WHERE by_latency
),
totals AS (
  SELECT
    true AS is_totals,
    NULL AS bucket,
    NULL AS is_other,
    NULL AS group_value,
    sum(requests) AS requests,
    sum(cost_usd) AS cost_usd,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(errors) AS errors,
    sum(cache_hits) AS cache_hits,
    min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.5 * timed))) AS p50_k,
    min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.95 * timed))) AS p95_k,
    min(latency_k) FILTER (WHERE up_to >= greatest(1, ceil(0.99 * timed))) AS p99_k,
    sum(cache_saved_usd) AS cache_saved_usd
  FROM ranked
  -- Without rows there is no latency bucket, and no totals row is wanted.
  HAVING count(*) > 0
),
answer AS (
  SELECT * FROM series
  UNION ALL
  SELECT * FROM totals
)
SELECT
  is_totals,
  bucket,
  is_other,
  group_value,
  CAST(requests AS BIGINT) AS requests,
  cost_usd,
  CAST(input_tokens AS BIGINT) AS input_tokens,
  CAST(output_tokens AS BIGINT) AS output_tokens,
  CAST(errors AS BIGINT) AS errors,
  CAST(cache_hits AS BIGINT) AS cache_hits,
  CAST(cache_hits / requests AS DOUBLE) AS cache_hit_rate,
  cache_saved_usd,
  latency_of_bucket(p50_k) AS p50_latency_ms,
  latency_of_bucket(p95_k) AS p95_latency_ms,
  latency_of_bucket(p99_k) AS p99_latency_ms
FROM answer
ORDER BY is_totals, is_other, bucket, group_value NULLS LAST;
