// Projects and their settings. Settings are strict on write (unknown keys and bad patterns are
// refused, field by field) and read with defaults filled, so older rows show every setting.
import * as v from "valibot";
import { rpmLimitValue, tpmLimitValue } from "#shared/snapshot/project-limits.ts";
import {
  idSchema,
  nameSchema,
  paginationQuery,
  slugSchema,
  timestampSchema,
} from "../../api/schemas.ts";

export const BUILTIN_REDACTIONS = [
  "email",
  "phone",
  "credit_card",
  "ip_address",
  "api_key",
] as const;

/** `provider_keys`: what a request's X-Modelux-Provider-Key may do in this project. */
export const PROVIDER_KEY_POLICIES = ["allow", "require", "forbid"] as const;

const regexSource = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(500),
  v.check((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, "must be a valid regular expression"),
);

const redactionSettings = v.strictObject({
  enabled: v.pipe(v.boolean(), v.description("Redact captured content before it is stored.")),
  builtin: v.optional(
    v.pipe(v.array(v.picklist(BUILTIN_REDACTIONS)), v.description("Built-in detectors to apply.")),
  ),
  patterns: v.optional(
    v.pipe(v.array(regexSource), v.maxLength(50), v.description("Extra regular expressions.")),
  ),
  replacement: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

export const projectSettingsInput = v.strictObject({
  rpm_limit: v.optional(
    v.pipe(
      v.nullable(rpmLimitValue),
      v.description(
        "Requests per minute for each of the project's keys without an rpm_limit of its own " +
          "(null: none). docs/limits.md",
      ),
    ),
  ),
  tpm_limit: v.optional(
    v.pipe(
      v.nullable(tpmLimitValue),
      v.description(
        "Tokens per minute (input and output) for each of the project's keys without a " +
          "tpm_limit of its own (null: none). docs/limits.md",
      ),
    ),
  ),
  auto_resolve_bare_model: v.optional(
    v.pipe(
      v.boolean(),
      v.description("Resolve bare model names (gpt-*, claude-*, …) to a provider by prefix."),
    ),
  ),
  capture_content: v.optional(
    v.pipe(v.boolean(), v.description("Store prompts and completions with request logs.")),
  ),
  redaction: v.optional(redactionSettings),
  trace_retention_days: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(3650),
      v.description(
        "Days the request log keeps this project's rows (1-3650); older days are deleted.",
      ),
    ),
  ),
  provider_keys: v.optional(
    v.pipe(
      v.picklist(PROVIDER_KEY_POLICIES),
      v.description(
        "Callers' own provider keys (X-Modelux-Provider-Key): allow (the default), require " +
          "(401 without one) or forbid (400 with one). docs/provider-keys.md",
      ),
    ),
  ),
});
export type ProjectSettingsInput = v.InferOutput<typeof projectSettingsInput>;

export const projectSettingsView = v.object({
  rpm_limit: v.nullable(v.number()),
  tpm_limit: v.nullable(v.number()),
  auto_resolve_bare_model: v.boolean(),
  capture_content: v.boolean(),
  redaction: v.object({
    enabled: v.boolean(),
    builtin: v.array(v.picklist(BUILTIN_REDACTIONS)),
    patterns: v.array(v.string()),
    replacement: v.string(),
  }),
  trace_retention_days: v.number(),
  provider_keys: v.picklist(PROVIDER_KEY_POLICIES),
});
export type ProjectSettings = v.InferOutput<typeof projectSettingsView>;

export const DEFAULT_SETTINGS: ProjectSettings = {
  rpm_limit: null,
  tpm_limit: null,
  auto_resolve_bare_model: true,
  capture_content: false,
  redaction: { enabled: false, builtin: [], patterns: [], replacement: "[REDACTED]" },
  trace_retention_days: 30,
  provider_keys: "allow",
};

const descriptionSchema = v.pipe(
  v.string(),
  v.maxLength(1000),
  v.description("Free text shown with the project."),
);

export const projectView = v.object({
  id: idSchema("The project's id."),
  name: v.string(),
  slug: v.string(),
  description: v.nullable(v.string()),
  settings: projectSettingsView,
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type ProjectView = v.InferOutput<typeof projectView>;

export const projectParams = v.object({ project_id: idSchema("The project's id.") });
export const listProjectsQuery = paginationQuery;

export const createProjectBody = v.strictObject({
  name: nameSchema,
  slug: v.optional(
    v.pipe(
      slugSchema,
      v.description(
        "Unique in the org; without it, made from the name (lower case, other characters as -).",
      ),
    ),
  ),
  description: v.optional(descriptionSchema),
  settings: v.optional(projectSettingsInput),
});

export const updateProjectBody = v.strictObject({
  name: v.optional(nameSchema),
  description: v.optional(v.nullable(descriptionSchema)),
  settings: v.optional(
    v.pipe(
      projectSettingsInput,
      v.description("Merged into the current settings: keys left out keep their value."),
    ),
  ),
});
