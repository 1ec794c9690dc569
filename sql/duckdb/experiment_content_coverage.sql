-- Which of a with_responses experiment's requests can be re-sent, and why the others cannot
-- (docs/experiments.md): the same rows as experiment_content_rows.sql before sampling, counted by
-- reason, the first that applies: baseline_failed (no answer to compare with), not_captured (no
-- prompt: the project did not capture content then), answer_not_captured (a streamed answer, which
-- capture does not keep), tools_not_captured, output_format_not_captured, else usable.
-- Parameters: $files, $org_id, $project_id, $start, $end, $config_slug, $model, $end_user,
-- $tag_pairs.
SELECT
  CASE
    WHEN NOT coalesce(status, 0) BETWEEN 200 AND 399 THEN 'baseline_failed'
    WHEN prompt IS NULL THEN 'not_captured'
    WHEN response IS NULL THEN 'answer_not_captured'
    WHEN coalesce(req_has_tools, false) THEN 'tools_not_captured'
    WHEN surface = 'anthropic' AND coalesce(req_wants_json, false)
      THEN 'output_format_not_captured'
    ELSE 'usable'
  END AS reason,
  count(*)::DOUBLE AS requests
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
GROUP BY reason
ORDER BY reason;
