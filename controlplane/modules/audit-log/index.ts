// Operations on the audit log.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { auditEntryParams, auditEntryView, listAuditQuery } from "./model.ts";
import { getAuditEntry, listAuditEntries, viewAuditEntry } from "./service.ts";

const tag = "audit-log";

export const auditLogOperations = [
  defineListOperation({
    id: "list_audit_log",
    method: "GET",
    path: "/audit-log",
    summary: "List audit log entries, newest first",
    description: "Filter by action, resource, actor (management key id) and time.",
    tag,
    role: "admin",
    query: listAuditQuery,
    output: auditEntryView,
    handler: ({ tenant }, { query }) => listAuditEntries(tenant, query),
  }),
  defineOperation({
    id: "get_audit_entry",
    method: "GET",
    path: "/audit-log/{audit_entry_id}",
    summary: "Get one audit log entry",
    tag,
    role: "admin",
    params: auditEntryParams,
    output: auditEntryView,
    handler: async ({ tenant }, { params }) =>
      viewAuditEntry(await getAuditEntry(tenant, params.audit_entry_id)),
  }),
];
