// Seeds the embedded default on first start (DESIGN §2): an org, a project, a proxy key, a
// management key, providers pointing at the simulator (or the real vendor when its key is in
// the environment) and example routing configs. Later starts keep what is there, re-point the
// providers, honour pinned keys, and re-read the keys file so they can be printed again.
import { and, eq, isNull } from "drizzle-orm";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { credentialHint } from "#shared/crypto/secret-box.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import { apiKeys, managementKeys, members, orgs, projects, providers } from "../db/schema/index.ts";
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

const VENDORS = {
  openai: { realBaseUrl: null },
  anthropic: { realBaseUrl: null },
} as const;

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
  let [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.org_id, org.id), eq(projects.slug, DEV_PROJECT_SLUG)));
  if (!project) {
    [project] = await db
      .insert(projects)
      .values({
        id: newId("project"),
        org_id: org.id,
        name: "Default",
        slug: DEV_PROJECT_SLUG,
        settings: { auto_resolve_bare_model: true },
      })
      .returning();
    await db.insert(members).values({
      id: newId("member"),
      org_id: org.id,
      email: "dev@localhost",
      name: "Developer",
      role: "owner",
    });
  }
  if (!project) throw new Error("could not create the development project");

  await syncProviders(options, org.id);
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
    db,
    org.id,
    project.id,
    options.pinnedProxyKey ?? remembered?.proxy_key,
  );
  const managementKey = await ensureManagementKey(
    db,
    org.id,
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

async function syncProviders(options: DevSeedOptions, orgId: string): Promise<void> {
  for (const vendor of Object.keys(VENDORS) as Array<keyof typeof VENDORS>) {
    const realKey = options.vendorKeys[vendor];
    const credential = realKey ?? "simulator-key";
    const baseUrl = realKey ? VENDORS[vendor].realBaseUrl : `${options.simulatorUrl}/v1`;
    const [existing] = await options.db
      .select()
      .from(providers)
      .where(and(eq(providers.org_id, orgId), eq(providers.name, vendor)));
    if (existing && existing.options.seeded_by !== SEED_MARK) continue; // the user's own
    if (
      existing &&
      existing.base_url === baseUrl &&
      options.secretBox.decrypt(existing.credential_ciphertext) === credential
    )
      continue;
    const values = {
      base_url: baseUrl,
      credential_ciphertext: options.secretBox.encrypt(credential),
      credential_hint: credentialHint(credential),
      options: { seeded_by: SEED_MARK },
      updated_at: new Date(),
    };
    if (existing)
      await options.db.update(providers).set(values).where(eq(providers.id, existing.id));
    else
      await options.db
        .insert(providers)
        .values({ id: newId("provider"), org_id: orgId, name: vendor, vendor, ...values });
  }
}

async function ensureProxyKey(
  db: Database,
  orgId: string,
  projectId: string,
  wanted: string | undefined,
): Promise<string> {
  const key = wanted ?? newSecretKey("proxy");
  const [found] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.key_hash, hashKey(key)), isNull(apiKeys.revoked_at)));
  if (found) return key;
  await db.insert(apiKeys).values({
    id: newId("apiKey"),
    org_id: orgId,
    project_id: projectId,
    name: "development",
    key_hash: hashKey(key),
    key_prefix: keyDisplayPrefix(key),
    created_by: SEED_MARK,
  });
  return key;
}

async function ensureManagementKey(
  db: Database,
  orgId: string,
  wanted: string | undefined,
): Promise<string> {
  const key = wanted ?? newSecretKey("management");
  const [found] = await db
    .select()
    .from(managementKeys)
    .where(and(eq(managementKeys.key_hash, hashKey(key)), isNull(managementKeys.revoked_at)));
  if (found) return key;
  await db.insert(managementKeys).values({
    id: newId("managementKey"),
    org_id: orgId,
    name: "development",
    role: "owner",
    key_hash: hashKey(key),
    key_prefix: keyDisplayPrefix(key),
  });
  return key;
}
