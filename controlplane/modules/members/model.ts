// Members of the org and their roles (owner > admin > developer > viewer).
import * as v from "valibot";
import { ROLES } from "../../api/operation.ts";
import { idSchema, nameSchema, paginationEntries, timestampSchema } from "../../api/schemas.ts";

export const roleSchema = v.picklist(ROLES, `must be one of ${ROLES.join(", ")}`);

export const memberView = v.object({
  id: idSchema("The member's id."),
  email: v.string(),
  name: v.nullable(v.string()),
  role: roleSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type MemberView = v.InferOutput<typeof memberView>;

export const memberParams = v.object({ member_id: idSchema("The member's id.") });

export const listMembersQuery = v.object({ ...paginationEntries, role: v.optional(roleSchema) });

export const createMemberBody = v.strictObject({
  email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email("must be an email address")),
  name: v.optional(nameSchema),
  role: roleSchema,
});

export const updateMemberBody = v.strictObject({
  name: v.optional(v.nullable(nameSchema)),
  role: v.optional(roleSchema),
});
