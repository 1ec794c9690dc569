-- GET /manage/v1/analytics/report with group_by (controlplane/warehouse/query.ts): the window's
-- groups ranked by requests, first of what the report then reads (the same rows, slim rows and
-- day cells, the same filters), so that a report capped at $group_limit groups keeps the first
-- $group_limit and merges the rest (analytics_report.sql, analytics_report_rows.sql). Ties are
-- broken by the group's value, ascending, the NULL group (rows without the dimension) after any
-- other. Each row also carries group_count, how many groups the window has (the NULL group
-- counted); no row when the window has no request.
-- Parameters: $files, $slim, $rollups, $org_id, $project_id, $start, $end, $model, $provider,
-- $end_user, $tag_pairs, $group_by, $tag_key, $group_limit.
WITH counted AS (
  SELECT group_value, count(*) AS requests
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
  GROUP BY group_value
  UNION ALL
  SELECT report_cell_group($group_by, model, provider, project_id) AS group_value, sum(requests)
  FROM request_log_rollups(
    $rollups,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_model := $model,
    only_provider := $provider
  )
  GROUP BY ALL
),
ranked AS (
  SELECT group_value, sum(requests) AS requests
  FROM counted
  GROUP BY group_value
)
SELECT
  group_value,
  CAST(requests AS BIGINT) AS requests,
  count(*) OVER () AS group_count
FROM ranked
ORDER BY requests DESC, group_value ASC NULLS LAST
LIMIT $group_limit;
