// The caller's org as the Management API shows it.
import * as v from "valibot";
import { idSchema, nameSchema, timestampSchema } from "../../api/schemas.ts";

export const orgView = v.object({
  id: idSchema("The org's id."),
  name: v.string(),
  slug: v.string(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type OrgView = v.InferOutput<typeof orgView>;

export const updateOrgBody = v.strictObject({ name: v.optional(nameSchema) });
