-- The two table macros every query in sql/duckdb reads through (docs/warehouse.md). The control
-- plane creates them once in its DuckDB; in the DuckDB CLI, `.read sql/duckdb/request_logs.sql`.

-- Every request-log row under a Parquet root; `files` is the root's glob, `<root>/**/*.parquet`.
-- The partition columns (project_id, date, hour) come from the path, typed; a file written before
-- a column existed reads it as NULL.
CREATE OR REPLACE MACRO request_logs(files) AS TABLE
  SELECT *
  FROM read_parquet(
    files,
    hive_partitioning = true,
    hive_types = {'project_id': VARCHAR, 'date': DATE, 'hour': INTEGER},
    union_by_name = true
  );

-- One org's rows, narrowed by the filters the logs list, the exports and the analytics share; a
-- filter left NULL is off. The org is not optional: every query names it, so no query can read
-- another org's rows. The window is repeated on the partition columns because DuckDB prunes
-- files only by predicates on those: a file of an hour outside the window is never opened.
CREATE OR REPLACE MACRO request_log_slice(
  files,
  org,
  project := NULL,
  window_start := NULL,
  window_end := NULL,
  status_class := NULL,
  only_model := NULL,
  only_provider := NULL,
  only_end_user := NULL,
  tag_pairs := NULL,
  min_latency_ms := NULL
) AS TABLE
  SELECT *
  FROM request_logs(files)
  WHERE org_id = org
    AND (project IS NULL OR project_id = project)
    AND (window_start IS NULL OR created_at >= window_start)
    AND (window_end IS NULL OR created_at < window_end)
    AND (
      window_start IS NULL
      OR date > CAST(window_start AS DATE)
      OR (date = CAST(window_start AS DATE) AND hour >= hour(CAST(window_start AS TIMESTAMP)))
    )
    AND (
      window_end IS NULL
      OR date < CAST(window_end AS DATE)
      OR (date = CAST(window_end AS DATE) AND hour <= hour(CAST(window_end AS TIMESTAMP)))
    )
    -- 2 for 2xx, 4 for 4xx, 5 for 5xx
    AND (status_class IS NULL OR status // 100 = status_class)
    AND (only_model IS NULL OR model = only_model)
    AND (only_provider IS NULL OR provider = only_provider)
    AND (only_end_user IS NULL OR end_user = only_end_user)
    -- a list of {key, value} structs: the row must carry every pair
    AND (tag_pairs IS NULL OR list_has_all(map_entries(tags), tag_pairs))
    AND (min_latency_ms IS NULL OR latency_ms >= min_latency_ms);
