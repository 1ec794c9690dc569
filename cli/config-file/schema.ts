// The `modelux.yaml` file: an org's configuration as code (docs/operations.md, "Configuration as
// code"). Declared once here; the TypeScript types, the reader's checks and the published JSON
// Schema (deploy/modelux.schema.json, `bun run cli:schema`) all come from it.
//
// Objects refer to each other by name, never by id, so one file applies to any instance: projects
// by slug, providers by name, routing configs by `@slug`. Secrets are never in the file: a
// provider names the environment variable that holds its credential.
import * as v from "valibot";

export const FILE_VERSION = 1;

const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const slug = (what: string) =>
  v.pipe(
    v.string(),
    v.regex(SLUG, "must be 1-63 lower-case letters, digits, - or _"),
    v.description(what),
  );
const name = (what: string) =>
  v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description(what));
const timestamp = v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 timestamp"));
const nullable = <T extends v.GenericSchema>(schema: T, what: string) =>
  v.optional(v.pipe(v.nullable(schema), v.description(`${what} Left out or null: none.`)));

const projectSettings = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description(
    "The project's settings (auto_resolve_bare_model, capture_content, redaction, " +
      "trace_retention_days). A setting left out is not managed; the API checks the values.",
  ),
);

/**
 * Read as any object here and checked against shared/routing's schema by the reader (with each
 * problem's place); the published JSON Schema describes it with that schema too.
 */
export const routingConfigObject = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description("The routing config ({strategy, …}, docs/routing.md); providers by name."),
);

export const routingConfigEntry = v.strictObject({
  slug: slug('Referenced as model "@<slug>".'),
  description: nullable(v.pipe(v.string(), v.maxLength(1000)), "What the config is for."),
  config: routingConfigObject,
});

export const apiKeyEntry = v.strictObject({
  name: name("The key's name, unique among the project's live keys in this file."),
  expires_at: nullable(timestamp, "When the key stops working (ISO 8601)."),
  rpm_limit: nullable(v.pipe(v.number(), v.integer(), v.minValue(1)), "Requests per minute."),
  tpm_limit: nullable(v.pipe(v.number(), v.integer(), v.minValue(1)), "Tokens per minute."),
});

export const projectEntry = v.strictObject({
  slug: slug("The project's slug: how the file and the API's lists name it."),
  name: name("The project's display name."),
  settings: v.optional(projectSettings),
  routing_configs: v.optional(v.array(routingConfigEntry)),
  api_keys: v.pipe(
    v.optional(v.array(apiKeyEntry)),
    v.description(
      "Proxy keys (metadata only): apply creates the missing ones and prints each new key once.",
    ),
  ),
});

const envName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
);

export const providerEntry = v.strictObject({
  name: slug('How routing configs name it ("provider": "<name>" or "<name>/<model>").'),
  vendor: v.pipe(
    v.string(),
    v.minLength(1),
    v.description("openai, anthropic, azure, google, bedrock, cohere, openai-compatible, …"),
  ),
  base_url: nullable(v.string(), "The vendor endpoint, when not the vendor's default."),
  options: v.optional(
    v.pipe(
      v.record(v.string(), v.unknown()),
      v.description("Vendor options (api_version, …). Left out: none."),
    ),
  ),
  api_key_env: v.pipe(
    envName,
    v.description("The environment variable holding the credential when apply runs."),
  ),
  verify: v.optional(
    v.pipe(
      v.boolean(),
      v.description("false: store the credential without checking it against the vendor."),
    ),
  ),
});

const budgetTarget = v.union([
  v.string(),
  v.strictObject({ model: v.string(), provider: v.optional(v.string()) }),
]);

export const budgetEntry = v.strictObject({
  name: name("The budget's name, unique in this file."),
  project: v.optional(slug("Narrows a route, customer or feature budget to one project (slug).")),
  scope: v.strictObject({
    type: v.picklist(["org", "project", "route", "customer", "feature"]),
    value: v.optional(
      v.pipe(
        v.string(),
        v.description(
          "project: its slug; route: a config slug; customer: an end user; feature: k=v",
        ),
      ),
    ),
  }),
  period: v.picklist(["daily", "weekly", "monthly", "custom"]),
  custom_period_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60))),
  period_anchor: v.optional(timestamp),
  cap_usd: v.pipe(v.number(), v.gtValue(0), v.description("USD per period.")),
  soft_thresholds: v.optional(v.array(v.number())),
  action: v.optional(v.picklist(["block", "downgrade", "warn_only"])),
  downgrade_to: nullable(budgetTarget, "The cheaper target a downgrade budget serves with."),
  fail_mode: v.optional(v.picklist(["open", "closed"])),
  stale_after_ms: v.optional(v.pipe(v.number(), v.integer())),
  enabled: v.optional(v.boolean()),
});

export const webhookEntry = v.strictObject({
  url: v.pipe(v.string(), v.url("must be a URL"), v.description("The endpoint, unique here.")),
  event_types: v.pipe(v.array(v.string()), v.minLength(1), v.description('Or ["*"].')),
  description: nullable(v.string(), "What the endpoint is."),
  enabled: v.optional(v.boolean()),
});

const rate = v.pipe(v.number(), v.minValue(0));
export const priceOverrideEntry = v.strictObject({
  vendor: v.string(),
  model: v.pipe(v.string(), v.minLength(1), v.description("The exact model name sent upstream.")),
  input_usd_per_mtok: rate,
  output_usd_per_mtok: rate,
  cache_read_usd_per_mtok: nullable(rate, "Cache reads bill at the input rate when"),
  cache_write_usd_per_mtok: nullable(rate, "Cache writes bill at the input rate when"),
  reasoning_usd_per_mtok: nullable(rate, "Reasoning bills at the output rate when"),
});

export const configFileSchema = v.pipe(
  v.strictObject({
    version: v.pipe(v.literal(FILE_VERSION), v.description("The file format's version.")),
    projects: v.optional(v.array(projectEntry)),
    providers: v.optional(v.array(providerEntry)),
    price_overrides: v.optional(v.array(priceOverrideEntry)),
    budgets: v.optional(v.array(budgetEntry)),
    webhooks: v.optional(v.array(webhookEntry)),
  }),
  v.title("modelux configuration"),
  v.description(
    "An org's routing configs, budgets, providers (credentials from the environment), " +
      "webhooks, project settings, API key metadata and price overrides: " +
      "`modelux export`, `modelux diff -f`, `modelux apply -f`.",
  ),
);

export type ConfigFile = v.InferOutput<typeof configFileSchema>;
export type ProjectEntry = v.InferOutput<typeof projectEntry>;
export type RoutingConfigEntry = v.InferOutput<typeof routingConfigEntry>;
export type ApiKeyEntry = v.InferOutput<typeof apiKeyEntry>;
export type ProviderEntry = v.InferOutput<typeof providerEntry>;
export type BudgetEntry = v.InferOutput<typeof budgetEntry>;
export type WebhookEntry = v.InferOutput<typeof webhookEntry>;
export type PriceOverrideEntry = v.InferOutput<typeof priceOverrideEntry>;
