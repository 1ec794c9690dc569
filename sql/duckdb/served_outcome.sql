-- What one version of a routing config served in a window (docs/experiments.md, "Prediction
-- checked against reality"), measured as an experiment summarises a side (experiment_summary.sql):
-- requests, total cost, errors (status >= 400) and the p50 and p95 latency of the successful
-- requests (quantile_cont, exact). Only the requests that version decided (config_slug and
-- config_version, as the decision trace records them), dry runs left out, narrowed by the
-- experiment's end-user and tag filters.
-- Parameters: $files, $org_id, $project_id, $start, $end, $config_slug, $config_version,
-- $end_user, $tag_pairs.
WITH served AS (
  SELECT coalesce(status, 0) AS status, coalesce(cost_usd, 0) AS cost_usd, latency_ms
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_end_user := $end_user,
    tag_pairs := $tag_pairs
  )
  WHERE config_slug = $config_slug
    AND config_version = $config_version
    AND NOT coalesce(dry_run, false)
)
SELECT
  count(*)::DOUBLE AS requests,
  coalesce(sum(cost_usd), 0) AS cost_usd,
  count(*) FILTER (WHERE status >= 400)::DOUBLE AS errors,
  quantile_cont(latency_ms, [0.5, 0.95]) FILTER (WHERE status < 400) AS latency_quantiles
FROM served;
