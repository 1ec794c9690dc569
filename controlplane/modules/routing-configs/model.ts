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

export const dryRunBody = v.strictObject({
  project_id: v.pipe(
    v.string(),
    v.description("The project whose configs, providers, settings and budgets the plan uses."),
  ),
  routing_config: v.pipe(
    v.union([v.string(), v.record(v.string(), v.unknown())]),
    v.description(
      'The config to plan with: a routing config object (saved or not), "slug@version", or a ' +
        "slug (its current version). Checked as a save would check it.",
    ),
  ),
  slug: v.optional(
    v.pipe(
      slugSchema,
      v.description(
        "The slug it is planned under (route budgets, the trace's config): by default the " +
          "named config's own slug, or dry-run for an object.",
      ),
    ),
  ),
  surface: v.optional(
    v.pipe(
      v.picklist(["openai", "anthropic"], "must be openai or anthropic"),
      v.description(
        "The sample's shape: an OpenAI chat completion (default) or an Anthropic message.",
      ),
    ),
  ),
  request: v.pipe(
    v.record(v.string(), v.unknown()),
    v.description(
      'The sample request body without model (it is planned as model "@slug"), e.g. ' +
        '{"messages": [{"role": "user", "content": "Hi"}]}; mlx:tags, mlx:end_user, tools, ' +
        "images, max_tokens and stream are what rules, budgets and strategies read.",
    ),
  ),
});

export const dryRunView = v.object({
  project_id: v.string(),
  config: v.object({
    slug: v.pipe(v.string(), v.description("The slug it was planned under.")),
    source: v.pipe(
      v.string(),
      v.description('"inline", or the "slug@version" it was loaded from.'),
    ),
  }),
  surface: v.picklist(["openai", "anthropic"]),
  status: v.pipe(
    v.number(),
    v.description(
      "What a data plane would answer the dry run: 200 with a plan, or its refusal (402 when " +
        "a budget at its cap blocks the request).",
    ),
  ),
  would_serve: v.pipe(
    v.nullable(v.object({ provider: v.string(), model: v.string() })),
    v.description("The plan's first attempt: what is called if nothing fails."),
  ),
  plan: v.pipe(
    v.array(v.record(v.string(), v.unknown())),
    v.description(
      "The ordered attempts as the data plane's dry run lists them: {kind: attempt, provider, " +
        "model, timeout_ms}, {kind: cascade, steps}, {kind: ensemble, members} (docs/routing.md).",
    ),
  ),
  trace: v.pipe(
    v.nullable(v.record(v.string(), v.unknown())),
    v.description("The decision trace: candidates and why, budgets, decision (docs/routing.md)."),
  ),
  error: v.pipe(
    v.nullable(v.object({ type: v.string(), message: v.string() })),
    v.description("The refusal when status is not 200."),
  ),
  notes: v.array(v.string()),
});
