-- A gateway-run batch's lines the warehouse holds a request for (controlplane/batches/resume.ts):
-- each line's call carries `X-Request-Id: <batch>-<line>-<attempt>` into its row, so a restarted
-- worker learns which of the lines a crashed one had claimed were answered (and paid) before it
-- recorded them. Rows written before the client_request_id column read it as NULL and match none.
-- Parameters: $files, $org_id, $project_id, $start (the batch's creation), $batch_id,
-- $client_request_ids.
SELECT client_request_id, request_id, status, cost_usd
FROM request_log_slice($files, $org_id, project := $project_id, window_start := $start)
WHERE batch_id = $batch_id
  AND list_contains($client_request_ids, client_request_id);
