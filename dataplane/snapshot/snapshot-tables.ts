// What a snapshot holds, keyed for the hot path: API keys, projects, routing configs as stored,
// providers with their credentials decrypted into memory, budgets and price overrides. Routing
// compiles its route table from these (runtime-config.ts puts the two together).
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { ModelPrice } from "#shared/pricing/catalog.ts";
import type {
  SnapshotApiKey,
  SnapshotBody,
  SnapshotBudget,
  SnapshotPriceOverride,
  SnapshotProject,
  SnapshotRoutingConfig,
} from "#shared/snapshot/body.ts";
import { readProjectLimits } from "#shared/snapshot/project-limits.ts";

export interface RuntimeApiKey {
  id: string;
  orgId: string;
  projectId: string;
  name: string;
  /**
   * Requests and tokens per minute (docs/limits.md): the key's own, else its project's default;
   * null when neither sets any, so a key without limits costs one field read.
   */
  limits: { requests: number | null; tokens: number | null } | null;
  /** Milliseconds since the epoch, or null for keys that do not expire. */
  expiresAt: number | null;
}

export interface RuntimeProvider {
  id: string;
  orgId: string;
  name: string;
  vendor: string;
  baseUrl: string | null;
  /** Decrypted; lives only in this process's memory. */
  credential: string;
  options: Record<string, unknown>;
}

export interface SnapshotTables {
  readonly version: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly keysByHash: ReadonlyMap<string, RuntimeApiKey>;
  readonly projects: ReadonlyMap<string, SnapshotProject>;
  /** Key: `${projectId}/${slug}`. */
  readonly routingConfigs: ReadonlyMap<string, SnapshotRoutingConfig>;
  readonly providersById: ReadonlyMap<string, RuntimeProvider>;
  /** Key: `${orgId}/${name}`. */
  readonly providersByName: ReadonlyMap<string, RuntimeProvider>;
  /** Key: `${orgId}/${vendor}`: the provider of that vendor named after it, else the oldest. */
  readonly defaultProviderByVendor: ReadonlyMap<string, RuntimeProvider>;
  readonly budgets: readonly SnapshotBudget[];
  /** An org's own prices, keyed by `priceOverrideKey` (see model-info.ts for the lookup). */
  readonly priceOverrides: ReadonlyMap<string, ModelPrice>;
}

export const routingConfigKey = (projectId: string, slug: string) => `${projectId}/${slug}`;
export const orgScopedKey = (orgId: string, name: string) => `${orgId}/${name}`;
/** NUL-separated: a model name may hold `/` (Groq's `qwen/qwen3-32b`), never NUL. */
export const priceOverrideKey = (orgId: string, vendor: string, model: string) =>
  `${orgId}\u0000${vendor}\u0000${model}`;

export class RuntimeConfigError extends Error {
  override name = "RuntimeConfigError";
}

export function compileSnapshotTables(
  meta: { version: number; sha256: string; createdAt: string },
  body: SnapshotBody,
  secretBox: SecretBox,
): SnapshotTables {
  const projects = new Map(body.projects.map((project) => [project.id, project]));
  const keysByHash = new Map(
    body.api_keys.map((key) => [
      key.key_hash,
      runtimeKey(key, readProjectLimits(projects.get(key.project_id)?.settings)),
    ]),
  );
  const routingConfigs = new Map(
    body.routing_configs.map((config) => [
      routingConfigKey(config.project_id, config.slug),
      config,
    ]),
  );

  const providersById = new Map<string, RuntimeProvider>();
  const providersByName = new Map<string, RuntimeProvider>();
  const defaultProviderByVendor = new Map<string, RuntimeProvider>();
  for (const provider of body.providers) {
    let credential: string;
    try {
      credential = secretBox.decrypt(provider.credential);
    } catch (error) {
      // One unreadable credential means this node's key differs from the control plane's:
      // better to keep the last good snapshot than to serve some providers and not others.
      throw new RuntimeConfigError(
        `provider ${provider.id} credential: ${(error as Error).message}`,
      );
    }
    const runtime: RuntimeProvider = {
      id: provider.id,
      orgId: provider.org_id,
      name: provider.name,
      vendor: provider.vendor,
      baseUrl: provider.base_url,
      credential,
      options: provider.options,
    };
    providersById.set(runtime.id, runtime);
    providersByName.set(orgScopedKey(runtime.orgId, runtime.name), runtime);
    const vendorKey = orgScopedKey(runtime.orgId, runtime.vendor);
    // Providers arrive ordered by id (oldest first); one named after its vendor wins.
    if (!defaultProviderByVendor.has(vendorKey) || runtime.name === runtime.vendor) {
      defaultProviderByVendor.set(vendorKey, runtime);
    }
  }

  return {
    version: meta.version,
    sha256: meta.sha256,
    createdAt: meta.createdAt,
    keysByHash,
    projects,
    routingConfigs,
    providersById,
    providersByName,
    defaultProviderByVendor,
    budgets: body.budgets,
    priceOverrides: new Map(
      (body.price_overrides ?? []).map((entry) => [
        priceOverrideKey(entry.org_id, entry.vendor, entry.model),
        overridePrice(entry),
      ]),
    ),
  };
}

/** The catalog's rule for missing rates: cache reads and writes at input, reasoning at output. */
function overridePrice(entry: SnapshotPriceOverride): ModelPrice {
  return Object.freeze({
    input: entry.input,
    output: entry.output,
    cacheRead: entry.cache_read ?? entry.input,
    cacheWrite: entry.cache_write ?? entry.input,
    reasoning: entry.reasoning ?? entry.output,
    // The catalog's batch discount belongs to the catalog's price, not to this one.
    batchInput: null,
    batchOutput: null,
  });
}

function runtimeKey(
  key: SnapshotApiKey,
  projectDefaults: { rpm_limit: number | null; tpm_limit: number | null },
): RuntimeApiKey {
  const requests = key.rpm_limit ?? projectDefaults.rpm_limit;
  const tokens = key.tpm_limit ?? projectDefaults.tpm_limit;
  return {
    id: key.id,
    orgId: key.org_id,
    projectId: key.project_id,
    name: key.name,
    limits: requests === null && tokens === null ? null : { requests, tokens },
    expiresAt: key.expires_at ? Date.parse(key.expires_at) : null,
  };
}
