-- The diff of an experiment, candidate against baseline, request by request (temporary tables
-- experiment_rows and experiment_candidates, as in experiment_summary.sql): the relative change
-- of total cost, p50 and p95 latency in percent (NULL when the baseline's figure is zero or
-- missing), the error rate's change in percentage points, how many requests the candidate
-- routes elsewhere, and the most frequent moves from one route to another ($top_transitions).
-- Parameters: $top_transitions.
WITH pairs AS (
  SELECT
    baseline.model AS from_model,
    baseline.provider AS from_provider,
    baseline.status AS from_status,
    baseline.cost_usd AS from_cost,
    baseline.latency_ms AS from_latency,
    candidate.model AS to_model,
    candidate.provider AS to_provider,
    candidate.status AS to_status,
    candidate.cost_usd AS to_cost,
    candidate.latency_ms AS to_latency,
    candidate.borrowed
  FROM experiment_rows AS baseline
  JOIN experiment_candidates AS candidate USING (request_id)
),
figures AS (
  SELECT
    count(*) AS requests,
    sum(from_cost) AS from_cost,
    sum(to_cost) AS to_cost,
    count(*) FILTER (WHERE from_status >= 400) / greatest(count(*), 1) AS from_error_rate,
    count(*) FILTER (WHERE to_status >= 400) / greatest(count(*), 1) AS to_error_rate,
    quantile_cont(from_latency, [0.5, 0.95]) FILTER (WHERE from_status < 400) AS from_q,
    quantile_cont(to_latency, [0.5, 0.95]) FILTER (WHERE to_status < 400) AS to_q,
    count(*) FILTER (
      WHERE from_model IS DISTINCT FROM to_model OR from_provider IS DISTINCT FROM to_provider
    ) AS changed,
    count(*) FILTER (WHERE borrowed) AS borrowed
  FROM pairs
),
moves AS (
  SELECT from_model, from_provider, to_model, to_provider, count(*) AS requests
  FROM pairs
  WHERE from_model IS DISTINCT FROM to_model OR from_provider IS DISTINCT FROM to_provider
  GROUP BY ALL
  ORDER BY requests DESC, from_model NULLS LAST, to_model NULLS LAST, from_provider, to_provider
  LIMIT $top_transitions
)
SELECT
  requests::DOUBLE AS requests,
  CASE WHEN from_cost > 0 THEN (to_cost - from_cost) / from_cost * 100 END AS cost_delta_pct,
  (to_error_rate - from_error_rate) * 100 AS error_rate_delta_pct,
  CASE WHEN from_q[1] > 0 THEN (to_q[1] - from_q[1]) / from_q[1] * 100 END AS p50_delta_pct,
  CASE WHEN from_q[2] > 0 THEN (to_q[2] - from_q[2]) / from_q[2] * 100 END AS p95_delta_pct,
  changed::DOUBLE AS changed_requests,
  CASE WHEN requests > 0 THEN changed / requests END AS changed_share,
  borrowed::DOUBLE AS borrowed_outcomes,
  (
    SELECT list(
      {
        'from_model': from_model,
        'from_provider': from_provider,
        'to_model': to_model,
        'to_provider': to_provider,
        'requests': moves.requests::DOUBLE
      }
      ORDER BY moves.requests DESC, moves.from_model NULLS LAST, moves.to_model NULLS LAST,
        moves.from_provider, moves.to_provider
    )
    FROM moves
  ) AS transitions
FROM figures;
