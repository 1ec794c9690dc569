// Management keys (`mlx_mk_…`): act inside the org with a role; shown once like proxy keys.
import * as v from "valibot";
import {
  expiresAtSchema,
  idSchema,
  nameSchema,
  nullableTimestamp,
  paginationEntries,
  rpmLimitSchema,
  timestampSchema,
} from "../../api/schemas.ts";
import { roleSchema } from "../members/model.ts";

export const managementKeyView = v.object({
  id: idSchema("The key's id."),
  name: v.string(),
  role: roleSchema,
  member_id: v.nullable(v.string()),
  prefix: v.string(),
  status: v.picklist(["active", "expired", "revoked"]),
  rpm_limit: v.nullable(v.number()),
  expires_at: nullableTimestamp,
  revoked_at: nullableTimestamp,
  last_used_at: nullableTimestamp,
  created_at: timestampSchema,
});
export type ManagementKeyView = v.InferOutput<typeof managementKeyView>;

export const createdManagementKeyView = v.object({
  ...managementKeyView.entries,
  key: v.pipe(v.string(), v.description("The key itself, shown this once.")),
});

export const managementKeyParams = v.object({ management_key_id: idSchema("The key's id.") });

export const listManagementKeysQuery = v.object({
  ...paginationEntries,
  include_revoked: v.optional(v.boolean()),
});

export const createManagementKeyBody = v.strictObject({
  name: nameSchema,
  role: v.pipe(roleSchema, v.description("At most the creating key's own role.")),
  member_id: v.optional(
    v.pipe(v.string(), v.description("The member the key acts for; it never exceeds their role.")),
  ),
  expires_at: v.optional(expiresAtSchema),
  rpm_limit: v.optional(rpmLimitSchema),
});
