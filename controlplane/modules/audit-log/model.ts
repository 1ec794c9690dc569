// Audit log entries: who changed what, before and after (secrets removed), when.
import * as v from "valibot";
import { idSchema, paginationEntries, timestampSchema } from "../../api/schemas.ts";

export const auditEntryView = v.object({
  id: idSchema("The entry's id."),
  actor: v.object({
    type: v.picklist(["management_key", "member", "system"]),
    id: v.nullable(v.string()),
  }),
  action: v.pipe(v.string(), v.description("<resource>.<verb>, e.g. api_key.revoked")),
  resource_type: v.string(),
  resource_id: v.nullable(v.string()),
  before: v.nullable(v.unknown()),
  after: v.nullable(v.unknown()),
  request_id: v.nullable(v.string()),
  created_at: timestampSchema,
});

export const auditEntryParams = v.object({ audit_entry_id: idSchema("The entry's id.") });

export const listAuditQuery = v.object({
  ...paginationEntries,
  action: v.optional(v.string()),
  resource_type: v.optional(v.string()),
  resource_id: v.optional(v.string()),
  actor_id: v.optional(v.string()),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp(), v.description("Entries at or after."))),
  until: v.optional(v.pipe(v.string(), v.isoTimestamp(), v.description("Entries before."))),
});
