-- GET /manage/v1/analytics/report's answer as JSON text, as the endpoint sends it: the rows of
-- analytics_report.sql or analytics_report_rows.sql (`answer`; controlplane/warehouse/query.ts
-- runs this with that query as its `answer`, one statement, the same parameters), each point
-- written by DuckDB from its typed columns (report_point_json, request_logs.sql) and joined in the
-- answer's order: one row for the series, one for the other group's points (when the report
-- merged any), one for the totals (when it had requests). `finite` is false when a measure is a
-- NaN or an infinity, which JSON cannot carry. A month by hour and end user (70,000 points):
-- ~0.2 s less than reading the rows as objects, checking them and writing them with
-- JSON.stringify (docs/warehouse.md).
SELECT
  is_totals,
  is_other,
  string_agg(report_point_json(answer), ',' ORDER BY bucket, group_value NULLS LAST) AS points,
  bool_and(report_point_finite(answer)) AS finite
FROM answer
GROUP BY is_totals, is_other
