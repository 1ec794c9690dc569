-- Per (provider, model), from an experiment's observations (experiment_observations.sql, held in
-- the temporary table experiment_observations): the latencies of successes and of failures,
-- ascending, as at most 1,000 evenly spaced order statistics (all of them when there are
-- fewer), from which replay draws uniformly: that samples the observed distribution whatever
-- the window's size. Also the error rate's counts and the median response length in output
-- tokens. The row with provider and model NULL is the whole window: its median output length is
-- what a request that failed in the baseline is assumed to produce.
WITH grouped AS (
  SELECT
    provider,
    model,
    count(*) AS attempts,
    count(*) FILTER (WHERE failed) AS failures,
    list(latency_ms ORDER BY latency_ms)
      FILTER (WHERE NOT failed AND latency_ms IS NOT NULL) AS latencies,
    list(latency_ms ORDER BY latency_ms)
      FILTER (WHERE failed AND latency_ms IS NOT NULL) AS failure_latencies,
    median(output_tokens) FILTER (WHERE NOT failed) AS median_output_tokens,
    count(output_tokens) FILTER (WHERE NOT failed) AS output_samples
  FROM experiment_observations
  GROUP BY GROUPING SETS ((provider, model), ())
)
SELECT
  provider,
  model,
  attempts::DOUBLE AS attempts,
  failures::DOUBLE AS failures,
  CASE
    WHEN latencies IS NULL THEN []
    WHEN len(latencies) <= 1000 THEN latencies
    ELSE list_transform(range(1000), i -> latencies[1 + floor((i + 0.5) * len(latencies) / 1000)::BIGINT])
  END AS latencies,
  CASE
    WHEN failure_latencies IS NULL THEN []
    WHEN len(failure_latencies) <= 1000 THEN failure_latencies
    ELSE list_transform(
      range(1000),
      i -> failure_latencies[1 + floor((i + 0.5) * len(failure_latencies) / 1000)::BIGINT]
    )
  END AS failure_latencies,
  median_output_tokens,
  output_samples::DOUBLE AS output_samples
FROM grouped
ORDER BY provider NULLS FIRST, model;
