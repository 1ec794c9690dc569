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
  min_latency_ms := NULL,
  only_status := NULL,
  only_trace := NULL,
  only_conversation := NULL,
  only_route := NULL
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
    AND (min_latency_ms IS NULL OR latency_ms >= min_latency_ms)
    -- an exact HTTP status, and the session ids a caller sent (docs/concepts/sessions)
    AND (only_status IS NULL OR status = only_status)
    AND (only_trace IS NULL OR trace_id = only_trace)
    AND (only_conversation IS NULL OR conversation_id = only_conversation)
    -- the routing config (slug) the request resolved through: its route
    AND (only_route IS NULL OR config_slug = only_route);

-- The latency sketch the analytics report's percentiles come from (docs/warehouse.md): a
-- DDSketch with 1 % relative accuracy. A latency goes to bucket k, the smallest with
-- gamma^k >= its microseconds, gamma = 1.01 / 0.99; the bucket stands for 2 gamma^k / (gamma + 1),
-- within 1 % of every latency in it. Counts per bucket add up, so rollups (below) merge exactly
-- and a percentile over a month reads a few thousand buckets rather than millions of rows.
-- Latencies under a microsecond fall in bucket 0; no latency, no bucket.
CREATE OR REPLACE MACRO latency_bucket(ms) AS
  CASE WHEN ms IS NOT NULL THEN CAST(ceil(ln(greatest(ms * 1000, 1)) / ln(1.01 / 0.99)) AS INTEGER) END;
CREATE OR REPLACE MACRO latency_of_bucket(k) AS
  2 * pow(1.01 / 0.99, k) / (1.01 / 0.99 + 1) / 1000;

-- Rollup cells (controlplane/warehouse/rollups.ts): per hour or day (`bucket`, lasting
-- `span_hours`), org, project, model, provider and latency bucket, the requests, cost, tokens
-- and errors of the request-log rows they summarise, and their response-cache hits and what those
-- saved. A cell counts only when its whole span lies in the window; the report reads the window's
-- edges from the rows themselves. Cells written before a column existed read it as NULL (the
-- report always passes no_rollup_cells()'s file too, which has them all).
CREATE OR REPLACE MACRO request_log_rollups(
  files,
  org,
  project := NULL,
  window_start := NULL,
  window_end := NULL,
  only_model := NULL,
  only_provider := NULL
) AS TABLE
  SELECT *
  FROM read_parquet(files, union_by_name = true)
  WHERE org_id = org
    AND (project IS NULL OR project_id = project)
    AND (window_start IS NULL OR bucket >= window_start)
    AND (window_end IS NULL OR bucket + to_hours(span_hours) <= window_end)
    AND (only_model IS NULL OR model = only_model)
    AND (only_provider IS NULL OR provider = only_provider);

-- A row's tags as one string, what slim rows store beside the map (`tag_text`, rollup_rows.sql) so
-- that a tag filter is one LIKE on a dictionary-encoded column rather than a look into every
-- row's map (docs/warehouse.md): each pair, in key order, as chr(31) key chr(30) value chr(31),
-- with chr(29), chr(30) and chr(31) inside a key or value written as chr(29) then 'a', 'b' or
-- 'c'. A pair's text is therefore found in a row's text exactly when the row carries that pair.
-- Pairs whose value is NULL are left out (no filter pair can equal them); no tags, no text.
CREATE OR REPLACE MACRO tag_escape(s) AS
  replace(replace(replace(s, chr(29), chr(29) || 'a'), chr(30), chr(29) || 'b'), chr(31), chr(29) || 'c');
CREATE OR REPLACE MACRO tag_pair_text(k, v) AS
  chr(31) || tag_escape(k) || chr(30) || tag_escape(v) || chr(31);
CREATE OR REPLACE MACRO tag_text(tags) AS
  array_to_string(
    list_transform(
      list_sort(list_filter(map_entries(tags), entry -> entry.value IS NOT NULL)),
      entry -> tag_pair_text(entry.key, entry.value)
    ),
    ''
  );
-- The LIKE pattern (escape character '\') that a row's tag_text matches when the row carries
-- every pair of `pairs` (a list of {key, value}): the pairs' texts in key order, anything between.
CREATE OR REPLACE MACRO tag_text_pattern(pairs) AS
  '%' || array_to_string(
    list_transform(
      list_sort(list_distinct(pairs)),
      pair -> replace(replace(replace(tag_pair_text(pair.key, pair.value), '\', '\\'), '%', '\%'), '_', '\_')
    ),
    '%'
  ) || '%';

-- Slim rows (controlplane/warehouse/rollups.ts, rollup_rows.sql): one per request of a
-- project-day, only the columns the analytics report reads, the latency as its sketch bucket
-- `latency_k`, the tags also as `tag_text`, the route as `config_slug`. Filtered as
-- request_log_slice filters rows (the window on created_at, exactly; the tags through tag_text,
-- with the same meaning), so a report may read a project-day's slim rows in place of its
-- request-log files, whatever its window, grouping and filters.
CREATE OR REPLACE MACRO request_log_slim_rows(
  files,
  org,
  project := NULL,
  window_start := NULL,
  window_end := NULL,
  only_model := NULL,
  only_provider := NULL,
  only_end_user := NULL,
  tag_pairs := NULL
) AS TABLE
  SELECT *
  FROM read_parquet(files, union_by_name = true)
  WHERE org_id = org
    AND (project IS NULL OR project_id = project)
    AND (window_start IS NULL OR created_at >= window_start)
    AND (window_end IS NULL OR created_at < window_end)
    AND (only_model IS NULL OR model = only_model)
    AND (only_provider IS NULL OR provider = only_provider)
    AND (only_end_user IS NULL OR end_user = only_end_user)
    AND (tag_pairs IS NULL OR tag_text LIKE tag_text_pattern(tag_pairs) ESCAPE '\');

-- The rows the analytics report reads (analytics_report.sql, analytics_report_rows.sql,
-- analytics_report_groups.sql): one org's request-log rows (`files`) and compaction's slim rows
-- (`slim`), each request read from exactly one of them (controlplane/warehouse/rollups.ts),
-- filtered alike, with the report's columns: the latency as its sketch bucket `latency_k` and
-- `group_value`, the report's dimension. `group_by` is 'model', 'provider', 'project', 'end_user',
-- 'tag' (the value of tag `tag_key`), 'provider_key' (the fingerprint of the caller's own
-- provider key), 'route' (the routing config the request resolved through, config_slug) or NULL
-- (one group, NULL); rows without the dimension form the NULL group.
CREATE OR REPLACE MACRO report_rows(
  files,
  slim,
  org,
  group_by,
  tag_key,
  project := NULL,
  window_start := NULL,
  window_end := NULL,
  only_model := NULL,
  only_provider := NULL,
  only_end_user := NULL,
  tag_pairs := NULL
) AS TABLE
  SELECT
    created_at,
    CASE group_by
      WHEN 'model' THEN model
      WHEN 'provider' THEN provider
      WHEN 'project' THEN project_id
      WHEN 'end_user' THEN end_user
      WHEN 'tag' THEN tags[tag_key]
      WHEN 'provider_key' THEN provider_key_fingerprint
      WHEN 'route' THEN config_slug
    END AS group_value,
    latency_k,
    cost_usd,
    input_tokens,
    output_tokens,
    status,
    cache_hit,
    cache_saved_usd
  FROM (
    SELECT
      created_at,
      project_id,
      model,
      provider,
      end_user,
      tags,
      provider_key_fingerprint,
      config_slug,
      latency_bucket(latency_ms) AS latency_k,
      cost_usd,
      input_tokens,
      output_tokens,
      status,
      cache = 'hit' AS cache_hit,
      cache_saved_usd
    FROM request_log_slice(
      files,
      org,
      project := project,
      window_start := window_start,
      window_end := window_end,
      only_model := only_model,
      only_provider := only_provider,
      only_end_user := only_end_user,
      tag_pairs := tag_pairs
    )
    UNION ALL
    SELECT
      created_at,
      project_id,
      model,
      provider,
      end_user,
      tags,
      provider_key_fingerprint,
      config_slug,
      latency_k,
      cost_usd,
      input_tokens,
      output_tokens,
      status,
      cache_hit,
      cache_saved_usd
    FROM request_log_slim_rows(
      slim,
      org,
      project := project,
      window_start := window_start,
      window_end := window_end,
      only_model := only_model,
      only_provider := only_provider,
      only_end_user := only_end_user,
      tag_pairs := tag_pairs
    )
  );

-- A rollup cell's group for the report's `group_by`: cells carry a model, provider and project
-- only (a report by anything else reads no cells).
CREATE OR REPLACE MACRO report_cell_group(group_by, model, provider, project_id) AS
  CASE group_by WHEN 'model' THEN model WHEN 'provider' THEN provider WHEN 'project' THEN project_id END;

-- Whether a group is merged into a capped report's other group (group_limit, docs/warehouse.md):
-- `kept` lists the groups the report keeps, apart from the NULL group, which it keeps when
-- `kept_null`; a report that is not capped passes `kept` NULL and merges nothing.
CREATE OR REPLACE MACRO report_other(group_value, kept, kept_null) AS
  CASE
    WHEN kept IS NULL THEN false
    WHEN group_value IS NULL THEN NOT kept_null
    ELSE group_value NOT IN (SELECT unnest(kept))
  END;

-- The analytics report's answer as the endpoint's JSON (analytics_report_json.sql): `p` is one
-- row of analytics_report.sql or analytics_report_rows.sql (the row as a struct). A point is
-- {"bucket", "group" (not for the other group's points), the measures}, the totals the measures
-- alone, in the order and with the names of the API's schema (controlplane/modules/analytics).
-- DuckDB writes each number as the shortest text that reads back as the same double, as
-- JSON.stringify does, but it writes a NaN or an infinity as is, which JSON has not:
-- report_point_finite tells, and the caller refuses such an answer.
CREATE OR REPLACE MACRO report_measures_json(p) AS
  CAST(json_object(
    'requests', p.requests,
    'cost_usd', p.cost_usd,
    'input_tokens', p.input_tokens,
    'output_tokens', p.output_tokens,
    'errors', p.errors,
    'cache_hits', p.cache_hits,
    'cache_hit_rate', p.cache_hit_rate,
    'cache_saved_usd', p.cache_saved_usd,
    'p50_latency_ms', p.p50_latency_ms,
    'p95_latency_ms', p.p95_latency_ms,
    'p99_latency_ms', p.p99_latency_ms
  ) AS VARCHAR);
CREATE OR REPLACE MACRO report_point_json(p) AS
  CASE
    WHEN p.is_totals THEN report_measures_json(p)
    ELSE '{"bucket":"' || strftime(p.bucket, '%Y-%m-%dT%H:%M:%S.%gZ') || '",'
      || CASE WHEN p.is_other THEN '' ELSE '"group":' || coalesce(CAST(to_json(p.group_value) AS VARCHAR), 'null') || ',' END
      || substr(report_measures_json(p), 2)
  END;
CREATE OR REPLACE MACRO report_point_finite(p) AS
  isfinite(p.cost_usd) AND isfinite(p.cache_hit_rate) AND isfinite(p.cache_saved_usd)
  AND isfinite(coalesce(p.p50_latency_ms, 0) + coalesce(p.p95_latency_ms, 0) + coalesce(p.p99_latency_ms, 0));

-- No slim rows, typed as rollup_rows.sql writes them: what the report reads as $slim when there
-- is none to read, e.g. in the CLI: COPY (FROM no_slim_rows()) TO 'no-slim.parquet' (FORMAT parquet).
CREATE OR REPLACE MACRO no_slim_rows() AS TABLE
  SELECT
    CAST(NULL AS TIMESTAMP) AS created_at,
    CAST(NULL AS VARCHAR) AS org_id,
    CAST(NULL AS VARCHAR) AS project_id,
    CAST(NULL AS VARCHAR) AS model,
    CAST(NULL AS VARCHAR) AS provider,
    CAST(NULL AS VARCHAR) AS end_user,
    CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS tags,
    CAST(NULL AS VARCHAR) AS tag_text,
    CAST(NULL AS VARCHAR) AS provider_key_fingerprint,
    CAST(NULL AS VARCHAR) AS config_slug,
    CAST(NULL AS INTEGER) AS latency_k,
    CAST(NULL AS DOUBLE) AS cost_usd,
    CAST(NULL AS BIGINT) AS input_tokens,
    CAST(NULL AS BIGINT) AS output_tokens,
    CAST(NULL AS SMALLINT) AS status,
    CAST(NULL AS BOOLEAN) AS cache_hit,
    CAST(NULL AS DOUBLE) AS cache_saved_usd
  LIMIT 0;

-- No group counts, typed as rollup_groups.sql writes them: what the ranking reads as $groups when
-- there is none to read, e.g. in the CLI: COPY (FROM no_group_counts()) TO 'no-groups.parquet' (FORMAT parquet).
CREATE OR REPLACE MACRO no_group_counts() AS TABLE
  SELECT
    CAST(NULL AS VARCHAR) AS org_id,
    CAST(NULL AS VARCHAR) AS project_id,
    CAST(NULL AS VARCHAR) AS dimension,
    CAST(NULL AS VARCHAR) AS tag_key,
    CAST(NULL AS VARCHAR) AS group_value,
    CAST(NULL AS BIGINT) AS requests
  LIMIT 0;

-- No cells, typed as rollup_cells.sql writes them: what the report reads as $rollups when there
-- is no rollup to read (DuckDB refuses an empty file list), e.g. in the CLI:
-- COPY (FROM no_rollup_cells()) TO 'no-cells.parquet' (FORMAT parquet).
CREATE OR REPLACE MACRO no_rollup_cells() AS TABLE
  SELECT
    CAST(NULL AS TIMESTAMP) AS bucket,
    CAST(NULL AS INTEGER) AS span_hours,
    CAST(NULL AS VARCHAR) AS org_id,
    CAST(NULL AS VARCHAR) AS project_id,
    CAST(NULL AS VARCHAR) AS model,
    CAST(NULL AS VARCHAR) AS provider,
    CAST(NULL AS INTEGER) AS latency_k,
    CAST(NULL AS BIGINT) AS requests,
    CAST(NULL AS DOUBLE) AS cost_usd,
    CAST(NULL AS BIGINT) AS input_tokens,
    CAST(NULL AS BIGINT) AS output_tokens,
    CAST(NULL AS BIGINT) AS errors,
    CAST(NULL AS BIGINT) AS cache_hits,
    CAST(NULL AS DOUBLE) AS cache_saved_usd
  LIMIT 0;
