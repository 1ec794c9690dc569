// Reads an org through the Management API into the file's shape: what `export` writes and what
// `diff` and `apply` compare the file with. Ids become names (a project's slug, a provider's
// name) so the result applies to another instance; everything is sorted so exports diff cleanly.
import type { ManagementClient } from "../client.ts";
import { providerEnvName } from "./provider-env.ts";
import type {
  ApiKeyEntry,
  BudgetEntry,
  ConfigFile,
  PriceOverrideEntry,
  ProjectEntry,
  ProviderEntry,
  RoutingConfigEntry,
  WebhookEntry,
} from "./schema.ts";
import { FILE_VERSION } from "./schema.ts";

// What the CLI reads of each view: only these fields, so a newer API's additions pass by.
interface ProjectView {
  id: string;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
}
interface ProviderView {
  id: string;
  name: string;
  vendor: string;
  base_url: string | null;
  options: Record<string, unknown>;
  credential_hint: string;
  verification?: string;
}
interface PriceOverrideView extends Omit<PriceOverrideEntry, "vendor"> {
  id: string;
  vendor: string;
}
interface BudgetView {
  id: string;
  name: string;
  project_id: string | null;
  scope: { type: BudgetEntry["scope"]["type"]; value: string | null };
  period: BudgetEntry["period"];
  custom_period_seconds: number | null;
  period_anchor: string | null;
  cap_usd: number;
  soft_thresholds: number[];
  action: NonNullable<BudgetEntry["action"]>;
  downgrade_to: unknown;
  fail_mode: NonNullable<BudgetEntry["fail_mode"]>;
  stale_after_ms: number;
  enabled: boolean;
}
interface WebhookView {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
}
interface RoutingConfigView {
  id: string;
  project_id: string;
  slug: string;
  description: string | null;
  config: Record<string, unknown>;
}
interface ApiKeyView {
  id: string;
  project_id: string;
  name: string;
  status: string;
  expires_at: string | null;
  rpm_limit: number | null;
  /** Absent from control planes older than per-key token limits. */
  tpm_limit?: number | null;
}

/** The org as the file would describe it, and where each entry lives on the instance. */
export interface Observed {
  file: ConfigFile;
  /** Address (`project.main`, `routing_config.main/@default`, …) → the object's id. */
  ids: Map<string, string>;
  /** Provider name → its credential hint (`…abcd`), to tell whether a credential changed. */
  credentialHints: Map<string, string>;
  /** Problems a file written from this could not be applied with (duplicate names). */
  warnings: string[];
}

export const address = {
  project: (slug: string) => `project.${slug}`,
  provider: (name: string) => `provider.${name}`,
  priceOverride: (entry: { vendor: string; model: string }) =>
    `price_override.${entry.vendor}/${entry.model}`,
  budget: (name: string) => `budget.${name}`,
  webhook: (url: string) => `webhook.${url}`,
  routingConfig: (project: string, slug: string) => `routing_config.${project}/@${slug}`,
  apiKey: (project: string, name: string) => `api_key.${project}/${name}`,
};

const byText =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** `provider: "<id>"` anywhere in a config (or a budget's target) → the provider's name. */
export function providerIdsToNames(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => providerIdsToNames(item, names));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === "provider" && typeof inner === "string"
        ? (names.get(inner) ?? inner)
        : providerIdsToNames(inner, names),
    ]),
  );
}

export async function observe(client: ManagementClient): Promise<Observed> {
  const [projects, providers, priceOverrides, budgets, webhooks, configs, keys] = await Promise.all(
    [
      client.list<ProjectView>("/projects"),
      client.list<ProviderView>("/providers"),
      client.list<PriceOverrideView>("/price-overrides"),
      client.list<BudgetView>("/budgets"),
      client.list<WebhookView>("/webhooks"),
      client.list<RoutingConfigView>("/routing-configs"),
      client.list<ApiKeyView>("/api-keys"),
    ],
  );
  const ids = new Map<string, string>();
  const warnings: string[] = [];
  const remember = (key: string, id: string) => {
    if (ids.has(key)) warnings.push(`${key} appears more than once; rename one before applying`);
    ids.set(key, id);
  };
  const projectSlugs = new Map(projects.map((project) => [project.id, project.slug]));
  const providerNames = new Map(providers.map((provider) => [provider.id, provider.name]));
  const slugOf = (projectId: string) => projectSlugs.get(projectId) ?? projectId;

  const projectEntries: ProjectEntry[] = projects.sort(byText((p) => p.slug)).map((project) => {
    remember(address.project(project.slug), project.id);
    const routingConfigs: RoutingConfigEntry[] = configs
      .filter((config) => config.project_id === project.id)
      .sort(byText((config) => config.slug))
      .map((config) => {
        remember(address.routingConfig(project.slug, config.slug), config.id);
        return {
          slug: config.slug,
          ...(config.description === null ? {} : { description: config.description }),
          config: providerIdsToNames(config.config, providerNames) as Record<string, unknown>,
        };
      });
    const apiKeys: ApiKeyEntry[] = keys
      // Revoked and expired keys cannot be made again; the file holds the live ones.
      .filter((key) => key.project_id === project.id && key.status === "active")
      .sort(byText((key) => key.name))
      .map((key) => {
        remember(address.apiKey(project.slug, key.name), key.id);
        return {
          name: key.name,
          ...(key.expires_at === null ? {} : { expires_at: key.expires_at }),
          ...(key.rpm_limit === null ? {} : { rpm_limit: key.rpm_limit }),
          ...(key.tpm_limit === null || key.tpm_limit === undefined
            ? {}
            : { tpm_limit: key.tpm_limit }),
        };
      });
    return {
      slug: project.slug,
      name: project.name,
      settings: project.settings,
      ...(routingConfigs.length > 0 ? { routing_configs: routingConfigs } : {}),
      ...(apiKeys.length > 0 ? { api_keys: apiKeys } : {}),
    };
  });

  const credentialHints = new Map<string, string>();
  const providerEntries: ProviderEntry[] = providers
    .sort(byText((provider) => provider.name))
    .map((provider) => {
      remember(address.provider(provider.name), provider.id);
      credentialHints.set(provider.name, provider.credential_hint);
      return {
        name: provider.name,
        vendor: provider.vendor,
        ...(provider.base_url === null ? {} : { base_url: provider.base_url }),
        ...(Object.keys(provider.options).length === 0 ? {} : { options: provider.options }),
        api_key_env: providerEnvName(provider.name),
        ...(provider.verification === "skipped" ? { verify: false } : {}),
      };
    });

  const priceOverrideEntries: PriceOverrideEntry[] = priceOverrides
    .sort(byText((entry) => `${entry.vendor}\u0000${entry.model}`))
    .map((entry) => {
      remember(address.priceOverride(entry), entry.id);
      const optional = (field: keyof PriceOverrideEntry) =>
        entry[field] === null || entry[field] === undefined ? {} : { [field]: entry[field] };
      return {
        vendor: entry.vendor,
        model: entry.model,
        input_usd_per_mtok: entry.input_usd_per_mtok,
        output_usd_per_mtok: entry.output_usd_per_mtok,
        ...optional("cache_read_usd_per_mtok"),
        ...optional("cache_write_usd_per_mtok"),
        ...optional("reasoning_usd_per_mtok"),
      };
    });

  const budgetEntries: BudgetEntry[] = budgets
    .sort(byText((budget) => budget.name))
    .map((budget) => {
      remember(address.budget(budget.name), budget.id);
      const projectScope = budget.scope.type === "project";
      return {
        name: budget.name,
        ...(budget.project_id && !projectScope ? { project: slugOf(budget.project_id) } : {}),
        scope: {
          type: budget.scope.type,
          ...(budget.scope.value === null
            ? {}
            : { value: projectScope ? slugOf(budget.scope.value) : budget.scope.value }),
        },
        period: budget.period,
        ...(budget.custom_period_seconds === null
          ? {}
          : { custom_period_seconds: budget.custom_period_seconds }),
        ...(budget.period_anchor === null ? {} : { period_anchor: budget.period_anchor }),
        cap_usd: budget.cap_usd,
        soft_thresholds: budget.soft_thresholds,
        action: budget.action,
        ...(budget.downgrade_to === null
          ? {}
          : {
              downgrade_to: providerIdsToNames(
                budget.downgrade_to,
                providerNames,
              ) as BudgetEntry["downgrade_to"],
            }),
        fail_mode: budget.fail_mode,
        stale_after_ms: budget.stale_after_ms,
        enabled: budget.enabled,
      };
    });

  const webhookEntries: WebhookEntry[] = webhooks.sort(byText((hook) => hook.url)).map((hook) => {
    remember(address.webhook(hook.url), hook.id);
    return {
      url: hook.url,
      event_types: [...hook.event_types].sort(),
      ...(hook.description === null ? {} : { description: hook.description }),
      enabled: hook.enabled,
    };
  });

  const file: ConfigFile = { version: FILE_VERSION };
  if (projectEntries.length > 0) file.projects = projectEntries;
  if (providerEntries.length > 0) file.providers = providerEntries;
  if (priceOverrideEntries.length > 0) file.price_overrides = priceOverrideEntries;
  if (budgetEntries.length > 0) file.budgets = budgetEntries;
  if (webhookEntries.length > 0) file.webhooks = webhookEntries;
  return { file, ids, credentialHints, warnings };
}
