-- An experiment's historical requests (DESIGN §9, docs/experiments.md): one project's rows in the
-- window that its baseline config decided, narrowed by the experiment's filters, dry runs left
-- out. At most $sample_size rows: a deterministic sample (the rows whose md5(request_id || $seed)
-- sorts first), so the same experiment always replays the same requests. `matching_rows` counts
-- the rows before sampling. `failed_attempts` lists the upstream attempts the request made that
-- failed (from its trace, parsed only for requests with a fallback or an error): facts replay
-- reuses when the candidate tries the same model. The result is ordered by time: replay feeds
-- health in that order.
-- Parameters: $files, $org_id, $project_id, $start, $end, $config_slug, $model, $end_user,
-- $tag_pairs, $sample_size, $seed.
WITH selected AS (
  SELECT
    request_id, created_at, model, provider, status, attempts, input_tokens,
    output_tokens, cost_usd, latency_ms, tags, end_user, conversation_id, stream,
    req_input_tokens, req_has_tools, req_has_images, req_wants_json, req_max_tokens,
    req_temperature, budgets,
    CASE WHEN coalesce(attempts, 0) > 1 OR status >= 400 THEN list_filter(
      try(from_json(
        trace,
        '{"attempts": [{"provider": "VARCHAR", "model": "VARCHAR", "latency_ms": "DOUBLE",
          "status": "VARCHAR"}]}'
      )).attempts,
      attempt -> attempt.status NOT IN ('skipped', 'aborted')
        AND NOT coalesce(TRY_CAST(attempt.status AS INTEGER) BETWEEN 100 AND 399, false)
    ) END AS failed_attempts,
    count(*) OVER () AS matching_rows
  FROM request_log_slice(
    $files,
    $org_id,
    project := $project_id,
    window_start := $start,
    window_end := $end,
    only_model := $model,
    only_end_user := $end_user,
    tag_pairs := $tag_pairs
  )
  WHERE config_slug = $config_slug
    AND NOT coalesce(dry_run, false)
  ORDER BY md5(request_id || $seed)
  LIMIT $sample_size
)
SELECT
  request_id,
  epoch_ms(created_at)::DOUBLE AS at_ms,
  model,
  provider,
  coalesce(status, 0) AS status,
  coalesce(input_tokens, 0)::DOUBLE AS input_tokens,
  coalesce(output_tokens, 0)::DOUBLE AS output_tokens,
  coalesce(cost_usd, 0) AS cost_usd,
  latency_ms,
  CASE WHEN tags IS NULL OR cardinality(tags) = 0 THEN NULL ELSE to_json(tags)::VARCHAR END
    AS tags_json,
  end_user,
  conversation_id,
  coalesce(stream, false) AS stream,
  coalesce(req_input_tokens, input_tokens, 0)::DOUBLE AS req_input_tokens,
  coalesce(req_has_tools, false) AS req_has_tools,
  coalesce(req_has_images, false) AS req_has_images,
  coalesce(req_wants_json, false) AS req_wants_json,
  req_max_tokens,
  req_temperature,
  CASE WHEN budgets IS NULL OR budgets = '[]' THEN NULL ELSE budgets END AS budgets,
  failed_attempts,
  matching_rows::DOUBLE AS matching_rows
FROM selected
ORDER BY created_at, request_id;
