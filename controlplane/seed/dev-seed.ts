// Seeds the embedded default on first start (DESIGN §2): an org, a project, a proxy key, a
// management key, a provider for every vendor the simulator speaks (openai, azure, anthropic,
// google, bedrock, cohere and an OpenAI-compatible host, Groq; OpenAI and Anthropic at the real
// vendor when its key is in the environment) and example routing configs. Later starts keep what is there, re-point the
// providers, honour pinned keys, and re-read the keys file so they can be printed again.
import { eq } from "drizzle-orm";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { credentialHint } from "#shared/crypto/secret-box.ts";
import { newId } from "#shared/ids/ids.ts";
import { findKeyBySecret, issueSecretKey } from "../api/secret-keys.ts";
import type { Database } from "../db/client.ts";
import { apiKeys, managementKeys, members, orgs, projects, providers } from "../db/schema/index.ts";
import { scoped, type Tenant } from "../db/tenant.ts";
import { saveRoutingConfig } from "../modules/routing-configs/service.ts";
import { readDevKeys, writeDevKeys } from "./dev-keys-file.ts";

export const DEV_ORG_SLUG = "dev";
export const DEV_PROJECT_SLUG = "default";
const SEED_MARK = "modelux-dev";

export const EXAMPLE_ROUTING_CONFIGS: Record<string, Record<string, unknown>> = {
  default: { strategy: "single", model: "gpt-4o-mini" },
  fallback: {
    strategy: "fallback",
    attempts: [{ model: "gpt-4o", timeout_ms: 10_000 }, { model: "gpt-4o-mini" }],
    retry_on: ["429", "5xx", "timeout"],
    total_budget_ms: 30_000,
  },
  cheap: { strategy: "single", model: "gpt-4.1-nano" },
};

export interface DevSeedOptions {
  db: Database;
  secretBox: SecretBox;
  simulatorUrl: string;
  keysFile: string;
  pinnedProxyKey?: string | undefined;
  pinnedManagementKey?: string | undefined;
  /** Real vendor keys from the environment; a vendor without one is served by the simulator. */
  vendorKeys: { openai?: string | undefined; anthropic?: string | undefined };
}

export interface DevSeed {
  orgId: string;
  projectId: string;
  proxyKey: string;
  managementKey: string;
  created: boolean;
}

/** A seeded provider: where it points on the simulator (`${simulator}${path}`) and with what. */
interface SeededProvider {
  name: string;
  vendor: string;
  path: string;
  credential: string;
  options?: Record<string, unknown>;
  /** The environment key that points it at the real vendor (its default base URL) instead. */
  realKey?: keyof DevSeedOptions["vendorKeys"];
}

/**
 * One provider per vendor, named after it, so `claude-*`, `gemini-*`, `azure/…`,
 * `bedrock/…`, `cohere/…` and `groq/…` all answer on a fresh start.
 */
export const SEEDED_PROVIDERS: readonly SeededProvider[] = [
  { name: "openai", vendor: "openai", path: "/v1", credential: "simulator-key", realKey: "openai" },
  {
    name: "anthropic",
    vendor: "anthropic",
    path: "/v1",
    credential: "simulator-key",
    realKey: "anthropic",
  },
  {
    name: "azure",
    vendor: "azure",
    path: "",
    credential: "simulator-key",
    options: { api_version: "2024-10-21" },
  },
  { name: "google", vendor: "google", path: "/v1beta", credential: "simulator-key" },
  {
    name: "bedrock",
    vendor: "bedrock",
    path: "",
    // ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION: the simulator checks the signature's form only.
    credential: "SIMULATORKEY::simulator-secret::us-east-1",
  },
  { name: "cohere", vendor: "cohere", path: "/v2", credential: "simulator-key" },
  // The OpenAI-compatible hosts share one adapter; Groq stands for them all.
  { name: "groq", vendor: "groq", path: "/v1", credential: "simulator-key" },
];

export async function seedDevelopment(options: DevSeedOptions): Promise<DevSeed> {
  const { db } = options;
  let created = false;
  let [org] = await db.select().from(orgs).where(eq(orgs.slug, DEV_ORG_SLUG));
  if (!org) {
    created = true;
    [org] = await db
      .insert(orgs)
      .values({ id: newId("org"), name: "Development", slug: DEV_ORG_SLUG })
      .returning();
  }
  if (!org) throw new Error("could not create the development org");
  const tenant = scoped(db, org.id);
  let [project] = await tenant.rows(projects, eq(projects.slug, DEV_PROJECT_SLUG));
  if (!project) {
    project = await tenant.insert(projects, {
      id: newId("project"),
      name: "Default",
      slug: DEV_PROJECT_SLUG,
      settings: { auto_resolve_bare_model: true },
    });
    await tenant.insert(members, {
      id: newId("member"),
      email: "dev@localhost",
      name: "Developer",
      role: "owner",
    });
  }

  await syncProviders(options, tenant);
  if (created) {
    for (const [slug, config] of Object.entries(EXAMPLE_ROUTING_CONFIGS)) {
      await saveRoutingConfig(db, {
        orgId: org.id,
        projectId: project.id,
        slug,
        config,
        createdBy: SEED_MARK,
        message: "example seeded by bun run dev",
      });
    }
  }

  const remembered = await readDevKeys(options.keysFile);
  const proxyKey = await ensureProxyKey(
    tenant,
    project.id,
    options.pinnedProxyKey ?? remembered?.proxy_key,
  );
  const managementKey = await ensureManagementKey(
    tenant,
    options.pinnedManagementKey ?? remembered?.management_key,
  );
  await writeDevKeys(options.keysFile, {
    org_id: org.id,
    project_id: project.id,
    proxy_key: proxyKey,
    management_key: managementKey,
  });
  return { orgId: org.id, projectId: project.id, proxyKey, managementKey, created };
}

async function syncProviders(options: DevSeedOptions, tenant: Tenant): Promise<void> {
  for (const seeded of SEEDED_PROVIDERS) {
    const realKey = seeded.realKey ? options.vendorKeys[seeded.realKey] : undefined;
    const credential = realKey ?? seeded.credential;
    const baseUrl = realKey ? null : `${options.simulatorUrl}${seeded.path}`;
    const providerOptions = { ...seeded.options, seeded_by: SEED_MARK };
    const [existing] = await tenant.rows(providers, eq(providers.name, seeded.name));
    if (existing && existing.options.seeded_by !== SEED_MARK) continue; // the user's own
    if (
      existing &&
      existing.base_url === baseUrl &&
      sameOptions(existing.options, providerOptions) &&
      options.secretBox.decrypt(existing.credential_ciphertext) === credential
    )
      continue;
    const values = {
      base_url: baseUrl,
      credential_ciphertext: options.secretBox.encrypt(credential),
      credential_hint: credentialHint(credential),
      options: providerOptions,
      updated_at: new Date(),
    };
    if (existing) await tenant.update(providers, existing.id, values);
    else
      await tenant.insert(providers, {
        id: newId("provider"),
        name: seeded.name,
        vendor: seeded.vendor,
        ...values,
      });
  }
}

/** Postgres's jsonb keeps its own key order: compare key by key. */
function sameOptions(stored: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  const keys = Object.keys(wanted);
  return (
    Object.keys(stored).length === keys.length &&
    keys.every((key) => JSON.stringify(stored[key]) === JSON.stringify(wanted[key]))
  );
}

/** The wanted key if it is live (pinned or remembered), else it is stored now. */
async function ensureProxyKey(
  tenant: Tenant,
  projectId: string,
  wanted: string | undefined,
): Promise<string> {
  const { key, stored } = issueSecretKey("proxy", wanted);
  if (await findKeyBySecret(tenant.db, apiKeys, key, { liveOnly: true })) return key;
  await tenant.insert(apiKeys, {
    id: newId("apiKey"),
    project_id: projectId,
    name: "development",
    ...stored,
    created_by: SEED_MARK,
  });
  return key;
}

async function ensureManagementKey(tenant: Tenant, wanted: string | undefined): Promise<string> {
  const { key, stored } = issueSecretKey("management", wanted);
  if (await findKeyBySecret(tenant.db, managementKeys, key, { liveOnly: true })) return key;
  await tenant.insert(managementKeys, {
    id: newId("managementKey"),
    name: "development",
    role: "owner",
    ...stored,
  });
  return key;
}
