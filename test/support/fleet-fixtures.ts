// Seeds an org with a project, a proxy key, an OpenAI-shaped provider and a routing config:
// the least a data plane needs to serve a request.

import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import type { DatabaseHandle } from "../../controlplane/db/client.ts";
import { apiKeys, orgs, projects, providers } from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";

export interface SeededTenant {
  orgId: string;
  projectId: string;
  providerId: string;
  proxyKey: string;
}

export async function seedTenant(
  database: DatabaseHandle,
  secretBox: SecretBox,
  upstreamBaseUrl: string,
  slug = "tenant",
): Promise<SeededTenant> {
  const { db } = database;
  const orgId = newId("org");
  const projectId = newId("project");
  const providerId = newId("provider");
  const proxyKey = newSecretKey("proxy");
  await db.insert(orgs).values({ id: orgId, name: slug, slug: `${slug}-${orgId.slice(-6)}` });
  await db.insert(projects).values({ id: projectId, org_id: orgId, name: "main", slug: "main" });
  await db.insert(providers).values({
    id: providerId,
    org_id: orgId,
    name: "openai",
    vendor: "openai",
    base_url: upstreamBaseUrl,
    credential_ciphertext: secretBox.encrypt("sk-upstream-secret"),
    credential_hint: "…cret",
  });
  await db.insert(apiKeys).values({
    id: newId("apiKey"),
    org_id: orgId,
    project_id: projectId,
    name: "test",
    key_hash: hashKey(proxyKey),
    key_prefix: keyDisplayPrefix(proxyKey),
  });
  await saveRoutingConfig(db, {
    orgId,
    projectId,
    slug: "default",
    config: { strategy: "single", model: "gpt-4o-mini" },
  });
  return { orgId, projectId, providerId, proxyKey };
}
