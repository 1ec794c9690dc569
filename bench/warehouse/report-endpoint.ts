// What GET /manage/v1/analytics/report does with a report once the warehouse has answered, for
// query.bench.ts: the operation's handler (analyticsReport: the query, its points written as JSON
// by DuckDB), the answer checked against its schema and encoded as every operation's answer is
// (operationAnswer, controlplane/api/execute.ts) and the response text the REST layer sends
// (responseText). The HTTP layer around it (routing, auth, the socket) is left out.
import * as v from "valibot";
import { operationAnswer } from "../../controlplane/api/execute.ts";
import { responseText } from "../../controlplane/api/rest.ts";
import { analyticsOperations } from "../../controlplane/modules/analytics/index.ts";
import { reportQuery } from "../../controlplane/modules/analytics/model.ts";
import { analyticsReport } from "../../controlplane/modules/analytics/service.ts";
import type { WarehouseQuery } from "../../controlplane/warehouse/query.ts";

const REPORT = (() => {
  const operation = analyticsOperations.find((item) => item.id === "get_analytics_report");
  if (!operation) throw new Error("no get_analytics_report operation");
  return operation;
})();

/** The response body's size in bytes, once produced as the endpoint produces it. */
export async function reportResponse(
  warehouse: WarehouseQuery,
  orgId: string,
  /** As the REST layer hands it over: text, numbers for numeric parameters (group_limit), booleans for flags. */
  query: Record<string, string | number | boolean>,
): Promise<number> {
  const answer = await analyticsReport(warehouse, orgId, v.parse(reportQuery, query));
  return Buffer.byteLength(responseText({ data: operationAnswer(REPORT, answer) }));
}
