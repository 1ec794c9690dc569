// Proxy API keys (`mlx_sk_…`): the plaintext is in the create response only; afterwards a key is
// known by its id, name and first characters.
import * as v from "valibot";
import {
  expiresAtSchema,
  idSchema,
  nameSchema,
  nullableTimestamp,
  paginationEntries,
  rpmLimitSchema,
  timestampSchema,
  tpmLimitSchema,
} from "../../api/schemas.ts";

export const apiKeyView = v.object({
  id: idSchema("The key's id."),
  project_id: v.string(),
  name: v.string(),
  prefix: v.pipe(v.string(), v.description("The key's first characters, to recognise it.")),
  status: v.picklist(["active", "expired", "revoked"]),
  rpm_limit: v.pipe(
    v.nullable(v.number()),
    v.description("Requests per minute; null: the project's default (settings.rpm_limit), if any."),
  ),
  tpm_limit: v.pipe(
    v.nullable(v.number()),
    v.description("Tokens per minute; null: the project's default (settings.tpm_limit), if any."),
  ),
  expires_at: nullableTimestamp,
  revoked_at: nullableTimestamp,
  last_used_at: nullableTimestamp,
  created_at: timestampSchema,
});
export type ApiKeyView = v.InferOutput<typeof apiKeyView>;

export const createdApiKeyView = v.object({
  ...apiKeyView.entries,
  key: v.pipe(
    v.string(),
    v.description("The key itself. Shown this once: store it now, it cannot be read again."),
  ),
});

/** What revoking told the fleet: the data planes learn it from the bus, which may be away. */
export const revokedApiKeyView = v.object({
  ...apiKeyView.entries,
  fleet: v.pipe(
    v.object({
      notified: v.pipe(
        v.boolean(),
        v.description(
          "True when the bus accepted the revocation for every connected data plane; false when " +
            "it could not be reached (the data planes refuse the key once it is back).",
        ),
      ),
      warning: v.nullable(v.string()),
    }),
    v.description("Whether the fleet was reached."),
  ),
});
export type RevokedApiKeyView = v.InferOutput<typeof revokedApiKeyView>;

export const apiKeyParams = v.object({ api_key_id: idSchema("The key's id.") });

export const listApiKeysQuery = v.object({
  ...paginationEntries,
  project_id: v.optional(v.string()),
  include_revoked: v.optional(v.boolean()),
});

export const createApiKeyBody = v.strictObject({
  project_id: v.string(),
  name: nameSchema,
  expires_at: v.optional(expiresAtSchema),
  rpm_limit: v.optional(rpmLimitSchema),
  tpm_limit: v.optional(tpmLimitSchema),
});

export const updateApiKeyBody = v.strictObject({
  name: v.optional(nameSchema),
  expires_at: v.optional(v.nullable(expiresAtSchema)),
  rpm_limit: v.optional(v.nullable(rpmLimitSchema)),
  tpm_limit: v.optional(v.nullable(tpmLimitSchema)),
});
