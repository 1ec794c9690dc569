// Makes a plan's changes through the Management API, in the plan's order. Names become ids here
// (a project's slug, for keys, configs and budgets); secrets come from the environment and the
// ones the API shows once (new proxy keys, webhook signing secrets) are handed to `reveal`.
import type { ManagementClient } from "../client.ts";
import { address } from "../config-file/observe.ts";
import type { BudgetEntry, ProviderEntry } from "../config-file/schema.ts";
import type { FieldChange } from "./compare.ts";
import type { Change, Plan } from "./plan.ts";

export interface ApplyOptions {
  prune: boolean;
  env: Record<string, string | undefined>;
  /** Project slug → id for the projects that exist before apply. */
  projectIds: Map<string, string>;
  /** One line per change made, as it is made. */
  progress(line: string): void;
  /** A secret shown once by the API (a new key's value, a webhook's signing secret). */
  reveal(address: string, what: string, secret: string): void;
}

/** What must hold before anything changes: every credential a create or rotation needs is set. */
export function missingCredentials(plan: Plan, env: ApplyOptions["env"]): string[] {
  return plan.changes.flatMap((change) =>
    change.kind === "provider" && change.action !== "update" && !env[change.entry.api_key_env]
      ? [`${change.address}: ${change.entry.api_key_env} is not set (the provider's credential)`]
      : [],
  );
}

/** The fields of a change that the API takes in a PATCH, with their new values. */
function patchOf(fields: FieldChange[], names: readonly string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const change of fields) {
    const top = change.field.split(/[.[]/)[0] ?? change.field;
    if (names.includes(top)) patch[top] = undefined;
  }
  return patch;
}

const defined = (value: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined));

export async function applyPlan(client: ManagementClient, plan: Plan, options: ApplyOptions) {
  const projectIds = new Map(options.projectIds);
  const projectId = (slug: string) => {
    const id = projectIds.get(slug);
    if (!id) throw new Error(`project ${slug} is neither in the file nor on the instance`);
    return id;
  };
  const secretOf = (provider: ProviderEntry) => options.env[provider.api_key_env] ?? "";

  const budgetBody = (entry: BudgetEntry) => {
    const projectScope = entry.scope.type === "project";
    return defined({
      ...entry,
      project: undefined,
      project_id: entry.project && !projectScope ? projectId(entry.project) : undefined,
      scope: defined({
        type: entry.scope.type,
        value: projectScope && entry.scope.value ? projectId(entry.scope.value) : entry.scope.value,
      }),
      downgrade_to: entry.downgrade_to ?? undefined,
    });
  };

  const create = async (change: Change) => {
    switch (change.kind) {
      case "project": {
        const { routing_configs: _configs, api_keys: _keys, ...body } = change.entry;
        const created = await client.request<{ id: string }>("POST", "/projects", { body });
        projectIds.set(change.entry.slug, created.id);
        return;
      }
      case "provider": {
        const { api_key_env: _env, ...body } = change.entry;
        await client.request("POST", "/providers", {
          body: defined({
            ...body,
            base_url: body.base_url ?? undefined,
            api_key: secretOf(change.entry),
          }),
        });
        return;
      }
      case "price_override":
        await client.request("POST", "/price-overrides", { body: defined(change.entry) });
        return;
      case "routing_config":
        await client.request("POST", "/routing-configs", {
          body: defined({
            project_id: projectId(change.project ?? ""),
            slug: change.entry.slug,
            config: change.entry.config,
            description: change.entry.description ?? undefined,
            message: "modelux apply",
          }),
        });
        return;
      case "budget":
        await client.request("POST", "/budgets", { body: budgetBody(change.entry) });
        return;
      case "webhook": {
        const created = await client.request<{ signing_secret: string }>("POST", "/webhooks", {
          body: defined({ ...change.entry, description: change.entry.description ?? undefined }),
        });
        options.reveal(change.address, "signing secret", created.signing_secret);
        return;
      }
      case "api_key": {
        const created = await client.request<{ key: string }>("POST", "/api-keys", {
          body: defined({
            project_id: projectId(change.project ?? ""),
            name: change.entry.name,
            expires_at: change.entry.expires_at ?? undefined,
            rpm_limit: change.entry.rpm_limit ?? undefined,
            tpm_limit: change.entry.tpm_limit ?? undefined,
          }),
        });
        options.reveal(change.address, "key", created.key);
        return;
      }
    }
  };

  const update = async (change: Change & { action: "update" }) => {
    const entry = change.entry as unknown as Record<string, unknown>;
    const patch = (names: readonly string[]) => {
      const body = patchOf(change.fields, names);
      for (const name of Object.keys(body)) body[name] = entry[name] ?? null;
      return body;
    };
    switch (change.kind) {
      case "project": {
        const settings = Object.fromEntries(
          change.fields
            .filter((field) => field.field.startsWith("settings."))
            .map((field) => field.field.slice("settings.".length).split(/[.[]/)[0] ?? "")
            .map((name) => [name, change.entry.settings?.[name]]),
        );
        const body = { ...patch(["name"]), ...(Object.keys(settings).length ? { settings } : {}) };
        await client.request("PATCH", `/projects/${change.id}`, { body });
        return;
      }
      case "provider": {
        const body = patch(["base_url", "options"]);
        if ("options" in body && body.options === null) body.options = {};
        if (Object.keys(body).length > 0)
          await client.request("PATCH", `/providers/${change.id}`, {
            body: { ...body, ...(change.entry.verify === false ? { verify: false } : {}) },
          });
        if (change.rotateCredential)
          await client.request("POST", `/providers/${change.id}/rotate-credential`, {
            body: {
              api_key: secretOf(change.entry),
              ...(change.entry.verify === false ? { verify: false } : {}),
            },
          });
        return;
      }
      case "price_override":
        await client.request("PATCH", `/price-overrides/${change.id}`, {
          body: patch([
            "input_usd_per_mtok",
            "output_usd_per_mtok",
            "cache_read_usd_per_mtok",
            "cache_write_usd_per_mtok",
            "reasoning_usd_per_mtok",
          ]),
        });
        return;
      case "routing_config": {
        const configChanged = change.fields.some((field) => field.field.startsWith("config"));
        if (configChanged) await create(change);
        else
          await client.request("PATCH", `/routing-configs/${change.id}`, {
            body: patch(["description"]),
          });
        return;
      }
      case "budget":
        await client.request("PATCH", `/budgets/${change.id}`, {
          body: patch([
            "cap_usd",
            "soft_thresholds",
            "action",
            "downgrade_to",
            "fail_mode",
            "stale_after_ms",
            "enabled",
          ]),
        });
        return;
      case "webhook":
        await client.request("PATCH", `/webhooks/${change.id}`, {
          body: patch(["event_types", "description", "enabled"]),
        });
        return;
      case "api_key":
        await client.request("PATCH", `/api-keys/${change.id}`, {
          body: patch(["expires_at", "rpm_limit", "tpm_limit"]),
        });
        return;
    }
  };

  const remove = async (change: Change & { id: string }) => {
    const paths: Record<Change["kind"], string> = {
      project: `/projects/${change.id}`,
      provider: `/providers/${change.id}`,
      price_override: `/price-overrides/${change.id}`,
      routing_config: `/routing-configs/${change.id}`,
      budget: `/budgets/${change.id}`,
      webhook: `/webhooks/${change.id}`,
      api_key: `/api-keys/${change.id}/revoke`,
    };
    // Proxy keys are revoked, not deleted: the audit trail keeps them.
    await client.request(change.kind === "api_key" ? "POST" : "DELETE", paths[change.kind]);
    if (change.kind === "project") projectIds.delete(change.entry.slug);
  };

  for (const change of plan.changes) {
    if (change.action === "create") await create(change);
    else if (change.action === "update") await update(change);
    else if (change.action === "replace") {
      await remove(change);
      await create(change);
    }
    options.progress(`${symbol[change.action]} ${change.address}: ${past[change.action]}`);
  }
  if (!options.prune) return;
  for (const change of plan.deletions) {
    if (change.action !== "delete") continue;
    await remove(change);
    options.progress(`- ${change.address}: ${change.kind === "api_key" ? "revoked" : "deleted"}`);
  }
}

const symbol = { create: "+", update: "~", replace: "-/+", delete: "-" } as const;
const past = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
} as const;

/** Project slug → id, from what observe found. */
export function existingProjectIds(ids: Map<string, string>): Map<string, string> {
  const prefix = address.project("");
  return new Map(
    [...ids]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, id]) => [key.slice(prefix.length), id]),
  );
}
