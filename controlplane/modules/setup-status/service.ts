// Counts what the org has and turns it into the steps left before a first request succeeds:
// a project, a provider whose credential checked out, a live proxy key, and a routing config
// (or bare model names resolving).
import { gt, isNull, or } from "drizzle-orm";
import {
  apiKeys,
  budgets,
  projects,
  providers,
  routingConfigs,
  webhooks,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { readSettings } from "../projects/service.ts";
import type { SetupStatus } from "./model.ts";

export async function setupStatus(tenant: Tenant): Promise<SetupStatus> {
  const now = new Date();
  const [projectRows, providerRows, activeKeys, configRows, budgetCount, webhookCount] =
    await Promise.all([
      tenant.rows(projects),
      tenant.rows(providers),
      tenant.count(
        apiKeys,
        isNull(apiKeys.revoked_at),
        or(isNull(apiKeys.expires_at), gt(apiKeys.expires_at, now)),
      ),
      tenant.rows(routingConfigs, isNull(routingConfigs.deleted_at)),
      tenant.count(budgets),
      tenant.count(webhooks),
    ]);
  const verified = providerRows.filter((row) => row.last_verification?.ok === true);
  // Providers added behind the API's back (the dev seed, scripts) were never checked, and those
  // stored with verify: false were not on purpose: both usable.
  const usable = providerRows.filter(
    (row) => row.last_verification?.ok !== false || row.last_verification.skipped === true,
  );
  const bareModels = projectRows.some((row) => readSettings(row.settings).auto_resolve_bare_model);
  const steps = [
    {
      id: "project",
      done: projectRows.length > 0,
      required: true,
      message: "Create a project: keys, configs and settings belong to one.",
      tool: "create_project",
    },
    {
      id: "provider",
      done: usable.length > 0,
      required: true,
      message:
        providerRows.length > 0 && usable.length === 0
          ? "Every provider's last credential check failed: rotate a credential or verify again."
          : "Add a provider with its API key; it is checked against the upstream.",
      tool:
        providerRows.length > 0 && usable.length === 0
          ? "rotate_provider_credential"
          : "create_provider",
    },
    {
      id: "api_key",
      done: activeKeys > 0,
      required: true,
      message: "Create a proxy API key (mlx_sk_…) for the project; applications send it.",
      tool: "create_api_key",
    },
    {
      id: "routing_config",
      done: configRows.length > 0,
      required: !bareModels,
      message: bareModels
        ? 'Optional: save a routing config to call "@<slug>" (bare model names already resolve).'
        : 'Save a routing config and call it as model "@<slug>" (bare model names are off).',
      tool: "save_routing_config",
    },
  ];
  const ready = steps.every((step) => step.done || !step.required);
  const firstSlug = configRows[0]?.slug;
  const model = firstSlug
    ? `@${firstSlug}`
    : usable[0]?.vendor === "anthropic"
      ? "claude-haiku-4-5"
      : "gpt-4o-mini";
  return {
    ready,
    counts: {
      projects: projectRows.length,
      providers: providerRows.length,
      verified_providers: verified.length,
      active_api_keys: activeKeys,
      routing_configs: configRows.length,
      budgets: budgetCount,
      webhooks: webhookCount,
    },
    steps,
    first_request: ready
      ? {
          method: "POST",
          path: "/openai/v1/chat/completions",
          headers: {
            authorization: "Bearer <your mlx_sk_ key>",
            "content-type": "application/json",
          },
          body: { model, messages: [{ role: "user", content: "Hello!" }] },
        }
      : null,
  };
}
