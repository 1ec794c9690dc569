-- The sample a with_responses experiment re-sends (docs/experiments.md): one project's rows in
-- the window that its baseline config decided, narrowed by the experiment's filters, dry runs
-- left out, and only those that can be re-sent and compared: the request succeeded and its prompt
-- and answer were captured (projects with capture_content), it offered no tools (their
-- definitions are not captured), and it did not ask the Anthropic surface for structured output
-- (its schema is not captured either). The reasons must match experiment_content_coverage.sql.
-- At most $sample_size rows, a deterministic sample (the rows whose md5(request_id || $seed)
-- sorts first), in that order.
-- Parameters: $files, $org_id, $project_id, $start, $end, $config_slug, $model, $end_user,
-- $tag_pairs, $sample_size, $seed.
SELECT
  request_id,
  epoch_ms(created_at)::DOUBLE AS at_ms,
  surface,
  model,
  provider,
  coalesce(status, 0) AS status,
  coalesce(cost_usd, 0) AS cost_usd,
  latency_ms,
  coalesce(input_tokens, 0)::DOUBLE AS input_tokens,
  coalesce(req_input_tokens, input_tokens, 0)::DOUBLE AS req_input_tokens,
  coalesce(req_has_images, false) AS req_has_images,
  coalesce(req_wants_json, false) AS req_wants_json,
  req_max_tokens,
  req_temperature,
  CASE WHEN tags IS NULL OR cardinality(tags) = 0 THEN NULL ELSE to_json(tags)::VARCHAR END
    AS tags_json,
  end_user,
  conversation_id,
  prompt,
  response
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
  AND coalesce(status, 0) BETWEEN 200 AND 399
  AND prompt IS NOT NULL
  AND response IS NOT NULL
  AND NOT coalesce(req_has_tools, false)
  AND NOT (surface = 'anthropic' AND coalesce(req_wants_json, false))
ORDER BY md5(request_id || $seed)
LIMIT $sample_size;
