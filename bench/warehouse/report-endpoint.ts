// What GET /manage/v1/analytics/report does with a report once the warehouse has answered, for
// query.bench.ts: the operation's handler (analyticsReport: the query, each point's view), the
// output check every operation's answer passes (controlplane/api/execute.ts) and the JSON. The
// HTTP layer around it (routing, auth, the socket) is left out.
import * as v from "valibot";
import { reportQuery, reportView } from "../../controlplane/modules/analytics/model.ts";
import { analyticsReport } from "../../controlplane/modules/analytics/service.ts";
import type { WarehouseQuery } from "../../controlplane/warehouse/query.ts";

/** The response body's size in bytes, once produced as the endpoint produces it. */
export async function reportResponse(
  warehouse: WarehouseQuery,
  orgId: string,
  /** As the REST layer hands it over: text, numbers for numeric parameters (group_limit), booleans for flags. */
  query: Record<string, string | number | boolean>,
): Promise<number> {
  const report = await analyticsReport(warehouse, orgId, v.parse(reportQuery, query));
  const checked = v.safeParse(reportView, report);
  if (!checked.success) throw new Error("the report does not pass its output schema");
  return Buffer.byteLength(JSON.stringify({ data: checked.output }));
}
