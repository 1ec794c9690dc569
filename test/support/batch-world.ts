// What a gateway-run batch needs on top of the management harness, for the batch tests and
// benches: the simulator as the org's "openai" provider, a proxy key, and @nightly (gpt-4o,
// falling back to gpt-4o-mini on a 5xx); batches on @nightly stored as a surface stores them; the
// simulator's control endpoints.
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { createGatewayBatch } from "../../controlplane/batches/batches.ts";
import type { Database } from "../../controlplane/db/client.ts";
import { apiKeys, providers } from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { type Json, type ManagementHarness, testSecretBox } from "./management.ts";

export interface BatchWorld {
  db: Database;
  orgId: string;
  projectId: string;
  /** The proxy key's id, which a batch is created under, and the key itself. */
  keyId: string;
  secret: string;
}

/** Seeds the harness's org with the provider, a proxy key named `keyName`, and @nightly. */
export async function seedBatchWorld(
  db: Database,
  harness: ManagementHarness,
  keyName = "batch client",
): Promise<BatchWorld> {
  const { orgId, projectId } = harness.org;
  await db.insert(providers).values({
    id: newId("provider"),
    org_id: orgId,
    name: "openai",
    vendor: "openai",
    base_url: `${harness.simulator.url}/v1`,
    credential_ciphertext: testSecretBox.encrypt("sk-simulator"),
    credential_hint: "…ator",
  });
  const secret = newSecretKey("proxy");
  const keyId = newId("apiKey");
  await db.insert(apiKeys).values({
    id: keyId,
    org_id: orgId,
    project_id: projectId,
    name: keyName,
    key_hash: hashKey(secret),
    key_prefix: keyDisplayPrefix(secret),
  });
  await saveRoutingConfig(db, {
    orgId,
    projectId,
    slug: "nightly",
    config: {
      strategy: "fallback",
      attempts: [{ model: "gpt-4o" }, { model: "gpt-4o-mini" }],
      retry_on: ["5xx"],
    },
  });
  return { db, orgId, projectId, keyId, secret };
}

type BatchLine = Parameters<typeof createGatewayBatch>[2]["lines"][number];

/** `count` lines asking @nightly to summarise document <index>, custom ids `<prefix>-<index>`. */
export function summaryLines(
  count: number,
  { prefix, maxTokens }: { prefix: string; maxTokens: number },
): BatchLine[] {
  return Array.from({ length: count }, (_, index) => ({
    customId: `${prefix}-${index}`,
    body: {
      model: "@nightly",
      messages: [{ role: "user", content: `Summarise document ${index}.` }],
      max_tokens: maxTokens,
    },
  }));
}

/** An OpenAI-surface batch of `lines`, committed for the worker as a surface commits one. */
export function createNightlyBatch(
  world: BatchWorld,
  lines: BatchLine[],
  options: { reason?: string; deadlineAt?: Date; spendCapUsd?: number } = {},
) {
  return createGatewayBatch(world.db, world.orgId, {
    projectId: world.projectId,
    keyId: world.keyId,
    surface: "openai",
    endpoint: "/v1/chat/completions",
    reason: options.reason ?? "a line names @nightly",
    inputFileId: null,
    metadata: null,
    deadlineAt: options.deadlineAt ?? null,
    spendCapUsd: options.spendCapUsd ?? null,
    lines,
  });
}

/** A call to the simulator's control endpoints (`/_sim/<path>`: faults, calls), its JSON answer. */
export type SimulatorControl = (method: string, path: string, body?: unknown) => Promise<Json>;

export function simulatorControl(simulatorUrl: string): SimulatorControl {
  return async (method, path, body) => {
    const response = await fetch(`${simulatorUrl}/_sim/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Json;
  };
}
