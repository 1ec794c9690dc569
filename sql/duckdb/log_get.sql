-- GET /manage/v1/logs/{request_id} and …/trace: one request with everything stored for it,
-- its decision trace, prompt and response included.
-- Request ids are random after their time prefix, so Parquet statistics cannot find one: the
-- request_id column of every file in $files is read. The caller narrows $files to the hour the
-- id names (UUIDv7) or the caller says; only an id without a time gets the whole root.
-- Parameters: $files, $org_id, $request_id.
SELECT * EXCLUDE (date, hour)
FROM request_log_slice($files, $org_id)
WHERE request_id = $request_id
LIMIT 1;
