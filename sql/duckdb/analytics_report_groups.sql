-- GET /manage/v1/analytics/report with group_by (controlplane/warehouse/query.ts): the window's
-- groups ranked by requests, first of what the report then reads (the same rows, slim rows and
-- day cells, the same filters), so that a report capped at $group_limit groups keeps the first
-- $group_limit and merges the rest (analytics_report.sql, analytics_report_rows.sql). Ties are
-- broken by the group's value, ascending, the NULL group (rows without the dimension) after any
-- other. Each row also carries group_count, how many groups the window has (the NULL group
-- counted); no row when the window has no request.
-- $groups are the group counts (rollup_groups.sql) of whole days in the window, read in place of
-- those days' slim rows: the caller passes them only when the report filters on nothing but the
-- project (a count keeps no model, provider, end user or tags of its rows), and leaves their
-- slim rows out of $slim.
-- Parameters: $files, $slim, $rollups, $groups, $org_id, $project_id, $start, $end, $model,
-- $provider, $end_user, $tag_pairs, $group_by, $tag_key, $group_limit.
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
  UNION ALL
  SELECT
    CASE
      WHEN $group_by = 'project' THEN project_id
      WHEN $group_by = 'tag' THEN NULL
      ELSE group_value
    END,
    -- a tag's NULL group: every request of the day, less those with a value for the key
    CASE WHEN $group_by = 'tag' AND dimension = 'tag' THEN -requests ELSE requests END
  FROM read_parquet($groups, union_by_name = true)
  WHERE org_id = $org_id
    AND ($project_id IS NULL OR project_id = $project_id)
    AND (
      dimension = CASE WHEN $group_by IN ('project', 'tag') THEN '*' ELSE $group_by END
      OR (dimension = 'tag' AND $group_by = 'tag' AND tag_key = $tag_key)
    )
  UNION ALL
  SELECT group_value, requests
  FROM read_parquet($groups, union_by_name = true)
  WHERE $group_by = 'tag' AND dimension = 'tag' AND tag_key = $tag_key AND org_id = $org_id
    AND ($project_id IS NULL OR project_id = $project_id)
),
ranked AS (
  SELECT group_value, sum(requests) AS requests
  FROM counted
  GROUP BY group_value
  -- (a tag's NULL group adds up to 0 when every request carries the key: no such group)
  HAVING sum(requests) > 0
)
SELECT
  group_value,
  CAST(requests AS BIGINT) AS requests,
  count(*) OVER () AS group_count
FROM ranked
ORDER BY requests DESC, group_value ASC NULLS LAST
LIMIT $group_limit;
