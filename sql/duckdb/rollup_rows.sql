-- Compaction's rollups (controlplane/warehouse/rollups.ts): the slim rows of one project and day,
-- written to $target from the request-log files $files. One row per request, only what the
-- analytics report reads (its window, filters, dimensions and measures), the latency already a
-- sketch bucket and the tags also as one string for tag filters (request_logs.sql): every report
-- but the one by day over whole days, which reads day cells, reads these instead of the wide
-- hourly files.
-- $files ends with the zero-row file of every current column, so files written before a column
-- existed still read (the column as NULL).
-- LZ4 (LZ4_RAW), not zstd as everywhere else: these files are read by nearly every report, and
-- their scan is what a report by end user costs most; LZ4 decodes in ~70 % of zstd's CPU for ~40 %
-- more bytes (bench/warehouse/README.md). Slim rows written with zstd before read as they are.
COPY (
  SELECT
    created_at,
    org_id,
    project_id,
    model,
    provider,
    end_user,
    tags,
    tag_text(tags) AS tag_text,
    provider_key_fingerprint,
    config_slug,
    latency_bucket(latency_ms) AS latency_k,
    cost_usd,
    input_tokens,
    output_tokens,
    CAST(status AS SMALLINT) AS status,
    cache = 'hit' AS cache_hit,
    cache_saved_usd
  FROM request_logs($files)
  ORDER BY created_at
) TO $target (FORMAT parquet, COMPRESSION lz4_raw)
