// The plan: what `apply` would create, update, replace and delete to make the org match the file,
// field by field. Pure: the file and the observed org in, the changes out, in the order apply
// makes them (what others depend on first; deletions last, dependants first).
import { credentialHint } from "#shared/crypto/secret-box.ts";
import type { Observed } from "../config-file/observe.ts";
import { address } from "../config-file/observe.ts";
import type {
  ApiKeyEntry,
  BudgetEntry,
  ConfigFile,
  PriceOverrideEntry,
  ProjectEntry,
  ProviderEntry,
  RoutingConfigEntry,
  WebhookEntry,
} from "../config-file/schema.ts";
import { asInstant, asSet, compareFields, type FieldChange, type FieldSpec } from "./compare.ts";
import { configOrder } from "./config-order.ts";

export const KINDS = [
  "project",
  "provider",
  "price_override",
  "routing_config",
  "budget",
  "webhook",
  "api_key",
] as const;
export type Kind = (typeof KINDS)[number];

interface ChangeBase {
  address: string;
  /** The entry's project (slug), for routing configs and API keys. */
  project?: string;
}

export type Change = ChangeBase &
  (
    | { kind: "project"; entry: ProjectEntry }
    | { kind: "provider"; entry: ProviderEntry }
    | { kind: "price_override"; entry: PriceOverrideEntry }
    | { kind: "routing_config"; entry: RoutingConfigEntry }
    | { kind: "budget"; entry: BudgetEntry }
    | { kind: "webhook"; entry: WebhookEntry }
    | { kind: "api_key"; entry: ApiKeyEntry }
  ) &
  (
    | { action: "create" }
    | { action: "update"; id: string; fields: FieldChange[]; rotateCredential?: boolean }
    | { action: "replace"; id: string; fields: FieldChange[]; reason: string }
    | { action: "delete"; id: string }
  );

export interface Plan {
  /** Creates, updates and replacements, in the order apply makes them. */
  changes: Change[];
  /** What the file lacks: deleted by `apply --prune`, left alone otherwise. */
  deletions: Change[];
  /** Things the plan could not check (a credential whose variable is unset). */
  notes: string[];
}

const projectFields: FieldSpec<ProjectEntry>[] = [{ name: "name" }];
const providerFields: FieldSpec<ProviderEntry>[] = [
  { name: "base_url", clearWhenAbsent: null },
  { name: "options", clearWhenAbsent: {}, deep: true },
];
const priceOverrideFields: FieldSpec<PriceOverrideEntry>[] = [
  { name: "input_usd_per_mtok" },
  { name: "output_usd_per_mtok" },
  { name: "cache_read_usd_per_mtok", clearWhenAbsent: null },
  { name: "cache_write_usd_per_mtok", clearWhenAbsent: null },
  { name: "reasoning_usd_per_mtok", clearWhenAbsent: null },
];
const routingConfigFields: FieldSpec<RoutingConfigEntry>[] = [
  { name: "description", clearWhenAbsent: null },
  { name: "config", deep: true },
];
/** Fixed once a budget exists: changing one replaces the budget (and its period's history). */
const budgetFixedFields: FieldSpec<BudgetEntry>[] = [
  { name: "project", clearWhenAbsent: undefined },
  { name: "scope" },
  { name: "period" },
  { name: "custom_period_seconds", clearWhenAbsent: undefined },
  { name: "period_anchor", normalize: asInstant },
];
const budgetFields: FieldSpec<BudgetEntry>[] = [
  { name: "cap_usd" },
  { name: "soft_thresholds", normalize: asSet },
  { name: "action" },
  { name: "downgrade_to", clearWhenAbsent: null },
  { name: "fail_mode" },
  { name: "stale_after_ms" },
  { name: "enabled" },
];
const webhookFields: FieldSpec<WebhookEntry>[] = [
  { name: "event_types", normalize: asSet },
  { name: "description", clearWhenAbsent: null },
  { name: "enabled" },
];
const apiKeyFields: FieldSpec<ApiKeyEntry>[] = [
  { name: "expires_at", clearWhenAbsent: null, normalize: asInstant },
  { name: "rpm_limit", clearWhenAbsent: null },
  { name: "tpm_limit", clearWhenAbsent: null },
];

export interface PlanOptions {
  /** The environment the credentials are read from. */
  env: Record<string, string | undefined>;
}

type Entry = Change["entry"];

export function buildPlan(desired: ConfigFile, observed: Observed, options: PlanOptions): Plan {
  const changes: Change[] = [];
  const deletions: Change[] = [];
  const notes: string[] = [];
  const current = observed.file;

  /** One kind's entries: each desired one created or compared, each current one not desired deleted. */
  const reconcile = <T extends Entry>(
    kind: Kind,
    wanted: T[],
    have: T[],
    keyOf: (entry: T) => string,
    compare: (want: T, has: T) => FieldChange[],
    project?: string,
    extra?: (want: T, has: T) => Partial<{ rotateCredential: boolean; replace: string }>,
  ) => {
    const existing = new Map(have.map((entry) => [keyOf(entry), entry]));
    for (const entry of wanted) {
      const key = keyOf(entry);
      const base = { kind, address: key, entry, ...(project ? { project } : {}) } as Change;
      const has = existing.get(key);
      const id = observed.ids.get(key);
      if (!has || !id) {
        changes.push({ ...base, action: "create" } as Change);
        continue;
      }
      const fields = compare(entry, has);
      const more = extra?.(entry, has) ?? {};
      if (more.replace) {
        changes.push({ ...base, action: "replace", id, fields, reason: more.replace } as Change);
      } else if (fields.length > 0 || more.rotateCredential) {
        changes.push({
          ...base,
          action: "update",
          id,
          fields,
          ...(more.rotateCredential ? { rotateCredential: true } : {}),
        } as Change);
      }
    }
    const keep = new Set(wanted.map(keyOf));
    for (const entry of have) {
      const key = keyOf(entry);
      const id = observed.ids.get(key);
      if (keep.has(key) || !id) continue;
      deletions.unshift({
        kind,
        address: key,
        entry,
        action: "delete",
        id,
        ...(project ? { project } : {}),
      } as Change);
    }
  };

  const wantedProjects = desired.projects ?? [];
  const haveProjects = current.projects ?? [];
  reconcile(
    "project",
    wantedProjects,
    haveProjects,
    (p) => address.project(p.slug),
    (want, has) => [
      ...compareFields(want, has, projectFields),
      ...compareFields(want.settings ?? {}, has.settings ?? {}, settingsFields(want)).map(
        (change) => ({ ...change, field: `settings.${change.field}` }),
      ),
    ],
  );

  reconcile(
    "provider",
    desired.providers ?? [],
    current.providers ?? [],
    (provider) => address.provider(provider.name),
    (want, has) => compareFields(want, has, providerFields),
    undefined,
    (want, has) => {
      if (want.vendor !== has.vendor)
        return { replace: `vendor ${has.vendor} → ${want.vendor} (fixed after creation)` };
      const secret = options.env[want.api_key_env];
      const hint = observed.credentialHints.get(want.name);
      if (!secret) {
        notes.push(`provider.${want.name}: credential not compared, ${want.api_key_env} is unset`);
        return {};
      }
      return { rotateCredential: hint !== undefined && hint !== credentialHint(secret) };
    },
  );

  reconcile(
    "price_override",
    desired.price_overrides ?? [],
    current.price_overrides ?? [],
    address.priceOverride,
    (want, has) => compareFields(want, has, priceOverrideFields),
  );

  const projectSlugs = [...new Set([...wantedProjects, ...haveProjects].map((p) => p.slug))];
  const nested = (slug: string) => ({
    want: wantedProjects.find((project) => project.slug === slug),
    have: haveProjects.find((project) => project.slug === slug),
  });
  for (const slug of projectSlugs) {
    const { want, have } = nested(slug);
    // Referenced configs are saved first; deletions run the other way round.
    reconcile(
      "routing_config",
      configOrder(want?.routing_configs ?? []),
      configOrder(have?.routing_configs ?? []),
      (config) => address.routingConfig(slug, config.slug),
      (wantConfig, hasConfig) => compareFields(wantConfig, hasConfig, routingConfigFields),
      slug,
    );
  }

  reconcile(
    "budget",
    desired.budgets ?? [],
    current.budgets ?? [],
    (budget) => address.budget(budget.name),
    (want, has) => [
      ...compareFields(want, has, budgetFixedFields),
      ...compareFields(want, has, budgetFields),
    ],
    undefined,
    (want, has) => {
      const fixed = compareFields(want, has, budgetFixedFields).map((change) => change.field);
      return fixed.length > 0 ? { replace: `${fixed.join(", ")} fixed after creation` } : {};
    },
  );

  reconcile(
    "webhook",
    desired.webhooks ?? [],
    current.webhooks ?? [],
    (webhook) => address.webhook(webhook.url),
    (want, has) => compareFields(want, has, webhookFields),
  );

  for (const slug of projectSlugs) {
    const { want, have } = nested(slug);
    reconcile(
      "api_key",
      want?.api_keys ?? [],
      have?.api_keys ?? [],
      (key) => address.apiKey(slug, key.name),
      (wantKey, hasKey) => compareFields(wantKey, hasKey, apiKeyFields),
      slug,
    );
  }

  // Deletions were collected dependants-last per kind; apply removes dependants first.
  deletions.sort((a, b) => KINDS.indexOf(b.kind) - KINDS.indexOf(a.kind));
  return { changes, deletions, notes };
}

/** Each setting the file names is managed; the others are left as they are. */
function settingsFields(project: ProjectEntry): FieldSpec<Record<string, unknown>>[] {
  return Object.keys(project.settings ?? {}).map((name) => ({ name, deep: true }));
}
