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
-- groups are small (a month by end user: ~180,000 groups of ~20 requests).
-- Parameters: $files, $slim, $org_id, $project_id, $start, $end, $model, $provider, $end_user,
-- $tag_pairs, $granularity, $group_by, $tag_key, $kept_groups, $kept_null.
WITH grouped AS (
  SELECT
    grouping(bucket, is_other, group_value) <> 0 AS is_totals,
    bucket,
    is_other,
    group_value,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE cache_hit) AS cache_hits,
    coalesce(sum(cache_saved_usd), 0) AS cache_saved_usd,
    quantile_disc(latency_k, [0.5, 0.95, 0.99]) AS latency_ks
  FROM (
    SELECT
      bucket,
      is_other,
      CASE WHEN is_other THEN NULL ELSE group_value END AS group_value,
      latency_k,
      cost_usd,
      input_tokens,
      output_tokens,
      status,
      cache_hit,
      cache_saved_usd
    FROM (
      SELECT
        date_trunc($granularity, created_at) AS bucket,
        report_other(group_value, $kept_groups, $kept_null) AS is_other,
        *
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
    )
  )
  GROUP BY GROUPING SETS ((bucket, is_other, group_value), ())
  -- Without rows the totals' set still makes a row: none is wanted then.
  HAVING count(*) > 0
)
SELECT
  is_totals,
  bucket,
  is_other,
  group_value,
  requests,
  cost_usd,
  CAST(input_tokens AS BIGINT) AS input_tokens,
  CAST(output_tokens AS BIGINT) AS output_tokens,
  errors,
  cache_hits,
  CAST(cache_hits / requests AS DOUBLE) AS cache_hit_rate,
  cache_saved_usd,
  latency_of_bucket(latency_ks[1]) AS p50_latency_ms,
  latency_of_bucket(latency_ks[2]) AS p95_latency_ms,
  latency_of_bucket(latency_ks[3]) AS p99_latency_ms
FROM grouped
ORDER BY is_totals, is_other, bucket, group_value NULLS LAST;
