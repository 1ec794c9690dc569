// Operations on the analytics of the request logs.
import { defineOperation } from "../../api/operation.ts";
import { warehouseOf } from "../logs/service.ts";
import {
  decisionsQuery,
  decisionsView,
  reportEncodedView,
  reportQuery,
  reportView,
} from "./model.ts";
import { analyticsDecisions, analyticsReport } from "./service.ts";

const tag = "analytics";

export const analyticsOperations = [
  defineOperation({
    id: "get_analytics_report",
    method: "GET",
    path: "/analytics/report",
    summary: "Requests, cost, tokens, errors and latency over time",
    description:
      "A series per hour or day, optionally split by model, provider, project, end user, " +
      "route (routing config) or a tag, with totals for the window; include_comparison adds the window just before it.",
    tag,
    role: "viewer",
    query: reportQuery,
    output: reportView,
    // The points and totals as DuckDB wrote them, not checked and written again as objects.
    encodedOutput: reportEncodedView,
    handler: ({ services, caller }, { query }) =>
      analyticsReport(warehouseOf(services), caller.org_id, query),
  }),
  defineOperation({
    id: "get_analytics_decisions",
    method: "GET",
    path: "/analytics/decisions",
    summary: "How routing decided: fallbacks, cascade escalations, A/B splits",
    description:
      "Per routing config and strategy, the requests, errors, fallback rate and cascade " +
      "escalations; per A/B variant, its share, cost, median latency and error rate.",
    tag,
    role: "viewer",
    query: decisionsQuery,
    output: decisionsView,
    handler: ({ services, caller }, { query }) =>
      analyticsDecisions(warehouseOf(services), caller.org_id, query),
  }),
];
