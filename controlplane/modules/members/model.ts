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
  password_set: v.pipe(
    v.boolean(),
    v.description("Whether the member can sign in to the dashboard with email and password."),
  ),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type MemberView = v.InferOutput<typeof memberView>;

export const memberParams = v.object({ member_id: idSchema("The member's id.") });

export const listMembersQuery = v.object({ ...paginationEntries, role: v.optional(roleSchema) });

/** The dashboard sign-in password an owner sets; stored as an argon2id hash only. */
export const passwordSchema = v.pipe(
  v.string(),
  v.minLength(12, "must be at least 12 characters"),
  v.maxLength(200, "must be at most 200 characters"),
  v.description(
    "The member's dashboard sign-in password (owners only); stored as an argon2id hash.",
  ),
);

export const createMemberBody = v.strictObject({
  email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email("must be an email address")),
  name: v.optional(nameSchema),
  role: roleSchema,
  password: v.optional(passwordSchema),
});

export const updateMemberBody = v.strictObject({
  name: v.optional(v.nullable(nameSchema)),
  role: v.optional(roleSchema),
  /** null removes the password (and ends the member's dashboard sessions). */
  password: v.optional(v.nullable(passwordSchema)),
});
