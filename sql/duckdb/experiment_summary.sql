-- Both sides of an experiment summarised the same way (docs/experiments.md): the baseline is
-- what was recorded (temporary table experiment_rows, from experiment_rows.sql), the candidate
-- what routing_only replay computed for the same requests (temporary table
-- experiment_candidates). Per side: requests, total and per-request cost, p50 and p95 latency
-- of the successful requests (quantile_cont, exact, as the analytics report), errors (status
-- >= 400) and the route distribution, model and provider with their count and share; failed
-- requests, which no model served, are the route with model and provider NULL.
WITH sides AS (
  SELECT 'baseline' AS side, model, provider, status, cost_usd, latency_ms
  FROM experiment_rows
  UNION ALL
  SELECT 'candidate' AS side, model, provider, status, cost_usd, latency_ms
  FROM experiment_candidates
),
totals AS (
  SELECT
    side,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    count(*) FILTER (WHERE status >= 400) AS errors,
    quantile_cont(latency_ms, [0.5, 0.95]) FILTER (WHERE status < 400) AS latency_quantiles
  FROM sides
  GROUP BY side
),
routes AS (
  SELECT side, model, provider, count(*) AS requests
  FROM sides
  WHERE status < 400
  GROUP BY side, model, provider
  UNION ALL
  SELECT side, NULL, NULL, count(*)
  FROM sides
  WHERE status >= 400
  GROUP BY side
)
SELECT
  totals.side,
  totals.requests::DOUBLE AS requests,
  totals.cost_usd,
  CASE WHEN totals.requests > 0 THEN totals.cost_usd / totals.requests END AS cost_usd_per_request,
  totals.latency_quantiles[1] AS p50_latency_ms,
  totals.latency_quantiles[2] AS p95_latency_ms,
  totals.errors::DOUBLE AS errors,
  CASE WHEN totals.requests > 0 THEN totals.errors / totals.requests END AS error_rate,
  (
    SELECT list(
      {
        'model': routes.model,
        'provider': routes.provider,
        'requests': routes.requests::DOUBLE,
        'share': routes.requests / totals.requests
      }
      ORDER BY routes.requests DESC, routes.model NULLS LAST, routes.provider
    )
    FROM routes
    WHERE routes.side = totals.side
  ) AS routes
FROM totals
ORDER BY totals.side;
