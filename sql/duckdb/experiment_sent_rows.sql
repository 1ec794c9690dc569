-- The baseline side of a with_responses experiment: of the sampled rows (temporary table
-- experiment_sample, from experiment_content_rows.sql), those that were re-sent (temporary table
-- experiment_candidates), so that experiment_summary.sql and experiment_diff.sql compare the same
-- requests on both sides. Takes no parameters.
SELECT *
FROM experiment_sample
WHERE request_id IN (SELECT request_id FROM experiment_candidates)
ORDER BY at_ms, request_id;
