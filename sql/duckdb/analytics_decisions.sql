-- GET /manage/v1/analytics/decisions, in one scan of the window (GROUPING SETS), two kinds of
-- rows:
-- kind 'strategy', per routing config and strategy: how often requests fell back (fallbacks > 0:
--   an attempt after the first plain one) and, for cascades, escalated. A cascade escalated when
--   it made more than one upstream attempt; the columns cannot tell a judge's call from a further
--   step, so with judges configured this is an upper bound (each trace lists its steps exactly).
--   Requests resolved without a config have NULL config and strategy.
-- kind 'variant', per routing config and A/B variant (the outermost test's, as ab_variant records
--   it): its share of the config's A/B requests, cost, median latency and errors.
-- Errors are statuses of 400 or more; medians are quantile_cont (see analytics_report.sql).
-- Parameters: $files, $org_id, $project_id, $start, $end, $config_slug.
WITH grouped AS (
  SELECT
    CASE WHEN grouping(strategy) = 0 THEN 'strategy' ELSE 'variant' END AS kind,
    config_slug,
    strategy,
    ab_variant AS variant,
    count(*) AS requests,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE fallbacks > 0) AS fallback_requests,
    count(*) FILTER (WHERE attempts > 1) AS multi_attempt_requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    quantile_cont(latency_ms, 0.5) AS p50_latency_ms
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end
  )
  WHERE $config_slug IS NULL OR config_slug = $config_slug
  GROUP BY GROUPING SETS ((config_slug, strategy), (config_slug, ab_variant))
)
SELECT
  kind,
  config_slug,
  strategy,
  variant,
  requests,
  requests / sum(requests) OVER (PARTITION BY kind, config_slug) AS share,
  errors,
  errors / requests AS error_rate,
  fallback_requests,
  fallback_requests / requests AS fallback_rate,
  CASE WHEN strategy = 'cascade' THEN multi_attempt_requests END AS cascade_escalations,
  CASE WHEN strategy = 'cascade' THEN multi_attempt_requests / requests END
    AS cascade_escalation_rate,
  cost_usd,
  cost_usd / requests AS cost_per_request_usd,
  p50_latency_ms
FROM grouped
WHERE kind = 'strategy' OR variant IS NOT NULL
ORDER BY
  kind,
  CASE WHEN kind = 'strategy' THEN requests END DESC,
  config_slug NULLS LAST,
  strategy NULLS LAST,
  variant;
