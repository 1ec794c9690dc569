-- What each (provider, model) did in an experiment's window, one row per upstream attempt: the
-- evidence replay rebuilds health, latency distributions, error rates and response lengths from
-- (docs/experiments.md). Every row of the project counts, whichever config decided it; dry runs
-- do not. Attempts come from the decision trace (parsed once per row; a trace that does not
-- parse lists none); a row whose trace lists none counts its served model once. `at_ms` is when
-- the outcome was known. A failure is what says something about the upstream (408, 429, 5xx,
-- timeout, unreachable); client errors, skipped and aborted attempts are left out.
-- Parameters: $files, $org_id, $project_id, $start, $end.
WITH requests AS (
  SELECT
    created_at,
    provider,
    model,
    status,
    latency_ms,
    ttft_ms,
    output_tokens,
    try(from_json(
      trace,
      '{"attempts": [{"provider": "VARCHAR", "model": "VARCHAR", "started_ms": "DOUBLE",
        "latency_ms": "DOUBLE", "ttft_ms": "DOUBLE", "status": "VARCHAR",
        "usage": {"outputTokens": "DOUBLE"}}]}'
    )).attempts AS attempts
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end
  )
  WHERE NOT coalesce(dry_run, false)
),
traced AS (
  SELECT created_at, unnest(attempts) AS attempt
  FROM requests
  WHERE len(attempts) > 0
),
attempts AS (
  SELECT
    epoch_ms(created_at)::DOUBLE + coalesce(attempt.started_ms, 0) AS started_at_ms,
    attempt.provider AS provider,
    attempt.model AS model,
    attempt.status AS status,
    attempt.latency_ms AS latency_ms,
    attempt.ttft_ms AS ttft_ms,
    attempt.usage.outputTokens AS output_tokens
  FROM traced
  UNION ALL
  SELECT
    epoch_ms(created_at)::DOUBLE,
    provider,
    model,
    CAST(status AS VARCHAR),
    latency_ms,
    ttft_ms,
    CAST(output_tokens AS DOUBLE)
  FROM requests
  WHERE model IS NOT NULL AND coalesce(len(attempts), 0) = 0
),
classified AS (
  SELECT
    *,
    TRY_CAST(status AS INTEGER) AS code,
    CASE
      WHEN TRY_CAST(status AS INTEGER) BETWEEN 100 AND 399 THEN false
      WHEN TRY_CAST(status AS INTEGER) IN (408, 429) OR TRY_CAST(status AS INTEGER) >= 500 THEN true
      WHEN status IN ('timeout', 'unreachable') THEN true
    END AS failed
  FROM attempts
  WHERE provider IS NOT NULL AND model IS NOT NULL
)
SELECT
  started_at_ms + coalesce(latency_ms, 0) AS at_ms,
  provider,
  model,
  failed,
  CASE
    WHEN status IN ('timeout', 'unreachable') THEN status
    WHEN code = 429 THEN 'rate_limited'
    ELSE 'upstream_error'
  END AS failure_kind,
  latency_ms,
  ttft_ms,
  output_tokens
FROM classified
WHERE failed IS NOT NULL
ORDER BY at_ms, provider, model;
