// Operations on the request logs: list and search, one request with its trace, exports.
import { defineFileOperation, defineListOperation, defineOperation } from "../../api/operation.ts";
import {
  exportLogsQuery,
  getLogQuery,
  listLogsQuery,
  logDetailView,
  logParams,
  logSummaryView,
  logTraceView,
} from "./model.ts";
import {
  EXPORT_CONTENT_TYPES,
  exportLogs,
  getLog,
  listLogs,
  viewLogDetail,
  viewLogTrace,
  warehouseOf,
} from "./service.ts";

const tag = "logs";

export const logOperations = [
  defineListOperation({
    id: "list_logs",
    method: "GET",
    path: "/logs",
    summary: "List request logs, newest first",
    description:
      "One row per request the data planes served, from the warehouse: filter by time, " +
      "project, status class, model, provider, end user, tags and latency. Pages by cursor. " +
      "Rows reach the warehouse a few seconds after the request.",
    tag,
    role: "viewer",
    query: listLogsQuery,
    output: logSummaryView,
    handler: ({ services, caller }, { query }) =>
      listLogs(warehouseOf(services), caller.org_id, query),
  }),
  defineFileOperation({
    id: "export_logs",
    method: "GET",
    path: "/logs/export",
    summary: "Export request logs as CSV, JSON Lines or Parquet",
    description:
      "The rows the same filters select in list_logs, newest first, every column but the " +
      "trace, prompt and response, as a file. Refused (422) when more rows match than the " +
      "export limit.",
    tag,
    role: "viewer",
    query: exportLogsQuery,
    produces: EXPORT_CONTENT_TYPES,
    handler: ({ services, caller }, { query }) =>
      exportLogs(warehouseOf(services), caller.org_id, query),
  }),
  defineOperation({
    id: "get_log",
    method: "GET",
    path: "/logs/{request_id}",
    summary: "Get one request's log, with its prompt and response when captured",
    tag,
    role: "viewer",
    params: logParams,
    query: getLogQuery,
    output: logDetailView,
    handler: async ({ services, caller }, { params, query }) =>
      viewLogDetail(
        await getLog(warehouseOf(services), caller.org_id, params.request_id, query.created_at),
      ),
  }),
  defineOperation({
    id: "get_log_trace",
    method: "GET",
    path: "/logs/{request_id}/trace",
    summary: "Get one request's decision trace",
    description:
      "What routing considered and why, every attempt with its outcome, the budgets that " +
      "applied, the decision (docs/routing.md).",
    tag,
    role: "viewer",
    params: logParams,
    query: getLogQuery,
    output: logTraceView,
    handler: async ({ services, caller }, { params, query }) =>
      viewLogTrace(
        await getLog(warehouseOf(services), caller.org_id, params.request_id, query.created_at),
      ),
  }),
];
