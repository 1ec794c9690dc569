-- Compaction's rollups (controlplane/warehouse/rollups.ts): the group counts of one project and
-- day, from the day's slim rows ($files, rollup_rows.sql), written to $target: how many requests
-- each value of each report dimension had (group_by model, provider, end_user, provider_key,
-- route; a tag's by its key, tag_key) and, as dimension '*', all of the day's requests. A capped
-- report ranks its groups (analytics_report_groups.sql) from these instead of the day's slim rows
-- when the day lies wholly in its window and it filters on nothing a count does not keep
-- (model, provider, end user, tags): a month by end user ranks ~150 files of a few thousand
-- counts instead of 3.68M rows (docs/warehouse.md). Rows without the dimension count in its NULL
-- group; a tag's NULL group is not stored (every request minus those with a value for the key).
COPY (
  WITH slim AS (SELECT * FROM read_parquet($files, union_by_name = true))
  SELECT org_id, project_id, dimension, tag_key, group_value, count(*) AS requests
  FROM (
    SELECT org_id, project_id, '*' AS dimension, NULL AS tag_key, NULL AS group_value FROM slim
    UNION ALL
    SELECT org_id, project_id, dimension, NULL, group_value
    FROM (
      SELECT
        org_id,
        project_id,
        model,
        provider,
        end_user,
        provider_key_fingerprint AS provider_key,
        config_slug AS route
      FROM slim
    ) UNPIVOT INCLUDE NULLS (group_value FOR dimension IN (model, provider, end_user, provider_key, route))
    UNION ALL
    SELECT org_id, project_id, 'tag', entry.key, entry.value
    FROM (SELECT org_id, project_id, unnest(map_entries(tags)) AS entry FROM slim)
    WHERE entry.value IS NOT NULL
  )
  GROUP BY ALL
  ORDER BY dimension, tag_key, group_value
) TO $target (FORMAT parquet, COMPRESSION zstd)
