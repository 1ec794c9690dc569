// Routing configs as the Management API shows them: the head (slug, current version) with the
// current config, and its immutable versions.
import * as v from "valibot";
import {
  idSchema,
  nullableTimestamp,
  paginationEntries,
  slugSchema,
  timestampSchema,
} from "../../api/schemas.ts";

const configSchema = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description(
    "The routing config: {strategy, …} as in the routing config reference. Validated strictly " +
      "on save (unknown fields, bounds, CEL conditions, @slug cycles and nesting deeper than 4).",
  ),
);

export const routingConfigView = v.object({
  id: idSchema("The routing config's id."),
  project_id: v.string(),
  slug: v.pipe(v.string(), v.description('Referenced as model "@<slug>".')),
  description: v.nullable(v.string()),
  current_version: v.number(),
  config: v.record(v.string(), v.unknown()),
  deleted_at: nullableTimestamp,
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type RoutingConfigView = v.InferOutput<typeof routingConfigView>;

export const routingConfigVersionView = v.object({
  id: v.string(),
  routing_config_id: v.string(),
  version: v.number(),
  config: v.record(v.string(), v.unknown()),
  message: v.nullable(v.string()),
  created_by: v.nullable(v.string()),
  created_at: timestampSchema,
});

export const routingConfigDiffView = v.object({
  routing_config_id: v.string(),
  from_version: v.number(),
  to_version: v.number(),
  changes: v.array(
    v.object({
      op: v.picklist(["add", "remove", "replace"]),
      path: v.pipe(v.string(), v.description("JSON pointer into the config.")),
      from: v.optional(v.unknown()),
      to: v.optional(v.unknown()),
    }),
  ),
});

export const routingConfigParams = v.object({
  routing_config_id: idSchema("The routing config's id."),
});
const versionNumber = v.pipe(v.number(), v.integer(), v.minValue(1));

export const versionParams = v.object({
  ...routingConfigParams.entries,
  version: v.pipe(versionNumber, v.description("The version number.")),
});

export const listRoutingConfigsQuery = v.object({
  ...paginationEntries,
  project_id: v.optional(v.string()),
  slug: v.optional(v.string()),
});
export const listVersionsQuery = v.object(paginationEntries);

const messageSchema = v.pipe(v.string(), v.maxLength(1000), v.description("Why this version."));

export const saveRoutingConfigBody = v.strictObject({
  project_id: v.string(),
  slug: slugSchema,
  config: configSchema,
  description: v.optional(v.pipe(v.string(), v.maxLength(1000))),
  message: v.optional(messageSchema),
});

export const updateRoutingConfigBody = v.strictObject({
  config: v.optional(configSchema),
  description: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(1000)))),
  message: v.optional(messageSchema),
});

export const diffQuery = v.object({
  from: v.pipe(versionNumber, v.description("The older version.")),
  to: v.pipe(versionNumber, v.description("The newer version.")),
});

export const rollbackBody = v.strictObject({
  version: v.pipe(versionNumber, v.description("The version whose config becomes current again.")),
  message: v.optional(messageSchema),
});
