-- Compaction's rollups (controlplane/warehouse/rollups.ts): the cells of one project and day,
-- per $granularity ('hour' or 'day'), from the request-log files $files, written to $target.
-- $files ends with the zero-row file of every current column, so files written before a column
-- existed still read. What the analytics report sums is summed here already, and latencies become counts per bucket
-- of the latency sketch (request_logs.sql), so the report can read cells instead of rows.
COPY (
  SELECT
    date_trunc($granularity, created_at) AS bucket,
    CAST(CASE $granularity WHEN 'day' THEN 24 ELSE 1 END AS INTEGER) AS span_hours,
    org_id,
    project_id,
    model,
    provider,
    latency_bucket(latency_ms) AS latency_k,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
    count(*) FILTER (WHERE status >= 400) AS errors,
    count(*) FILTER (WHERE cache = 'hit') AS cache_hits,
    coalesce(sum(cache_saved_usd), 0) AS cache_saved_usd
  FROM request_logs($files)
  GROUP BY ALL
  ORDER BY bucket, org_id, model, provider, latency_k
) TO $target (FORMAT parquet, COMPRESSION zstd);
