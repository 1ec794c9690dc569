// Routing configs compiled once per snapshot (DESIGN §6), when the snapshot loads: each config
// parsed with the save-time schema, every named model resolved to a provider and a health key,
// then compiled by its strategy (strategies/registry.ts), CEL rules included. The table lives
// in the snapshot's RuntimeConfig (`routes`) and is replaced with it.
import * as v from "valibot";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  type CacheConfig,
  routingConfigSchema,
  type Target,
} from "#shared/routing/config-schema.ts";
import type { SnapshotRoutingConfig } from "#shared/snapshot/body.ts";
import { modelInfoFor } from "../snapshot/model-info.ts";
import { routingConfigKey, type SnapshotTables } from "../snapshot/snapshot-tables.ts";
import { type CompiledTarget, configTarget, type Leaf } from "./compiled-target.ts";
import { healthKey } from "./health.ts";
import { resolveTarget } from "./resolve-target.ts";
import { RuleCompileError } from "./strategies/custom-rules/compile.ts";
import { type CompiledStrategy, compileStrategy } from "./strategies/registry.ts";

export interface CompiledConfig {
  slug: string;
  version: number;
  projectId: string;
  strategy: CompiledStrategy | null;
  /** Why the stored config cannot be served (it should have been refused at save). */
  error: GatewayError | null;
  cacheEnabled: boolean;
  /** The config's `cache` (docs/caching.md), null without one or when it does not compile. */
  cache: CacheConfig | null;
  /** `embedding_dimensions`: embeddings through the config and its semantic cache's vectors. */
  embeddingDimensions: number | null;
  /** The vendors of the models the config names, and the configs it names (not expanded). */
  reaches: { vendors: ReadonlySet<string>; configs: readonly string[] };
}

export class RouteTable {
  /** Leaves for direct model names, shared by every request that names the same model. */
  private readonly leaves = new Map<string, Leaf>();
  private readonly compiled = new Map<string, CompiledConfig>();

  /** Compiles every routing config of the snapshot. */
  constructor(readonly tables: SnapshotTables) {
    for (const [key, stored] of tables.routingConfigs)
      this.compiled.set(key, compileConfig(this, stored));
  }

  /** The project's config `slug`, or undefined when it has none by that name. */
  configFor(projectId: string, slug: string): CompiledConfig | undefined {
    return this.compiled.get(routingConfigKey(projectId, slug));
  }

  /**
   * Every vendor `@slug` can send a request to, whatever the request (each A/B variant, rule
   * branch, fallback and judge), through the configs it names too.
   */
  vendorsReachedBy(projectId: string, slug: string, seen = new Set<string>()): Set<string> {
    const vendors = new Set<string>();
    const compiled = this.configFor(projectId, slug);
    if (!compiled || seen.has(slug)) return vendors;
    seen.add(slug);
    for (const vendor of compiled.reaches.vendors) vendors.add(vendor);
    for (const nested of compiled.reaches.configs)
      for (const vendor of this.vendorsReachedBy(projectId, nested, seen)) vendors.add(vendor);
    return vendors;
  }

  allowsBareModels(projectId: string): boolean {
    return this.tables.projects.get(projectId)?.settings.auto_resolve_bare_model !== false;
  }

  /** Resolves a model reference of `orgId` (throws the resolution's 400 when it cannot). */
  leafFor(orgId: string, projectId: string, model: string, providerRef?: string): Leaf {
    const cacheKey = `${orgId}\u0000${projectId}\u0000${providerRef ?? ""}\u0000${model}`;
    let leaf = this.leaves.get(cacheKey);
    if (leaf === undefined) {
      const target = resolveTarget(this.tables, orgId, model, {
        allowBare: this.allowsBareModels(projectId),
        ...(providerRef === undefined ? {} : { providerRef }),
      });
      leaf = {
        provider: target.provider,
        model: target.model,
        healthKey: healthKey(target.provider.id, target.model),
        info: modelInfoFor(this.tables, orgId, target.provider.vendor, target.model),
      };
      // Bounded: a client naming many distinct models must not grow this without end.
      if (this.leaves.size < 10_000) this.leaves.set(cacheKey, leaf);
    }
    return leaf;
  }
}

function compileConfig(table: RouteTable, stored: SnapshotRoutingConfig): CompiledConfig {
  const { slug, version, project_id: projectId, config: body } = stored;
  const vendors = new Set<string>();
  const configs: string[] = [];
  const base = {
    slug,
    version,
    projectId,
    cacheEnabled: body.cache !== undefined,
    cache: null,
    embeddingDimensions: null,
    reaches: { vendors, configs },
  };
  const parsed = v.safeParse(routingConfigSchema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    const message = `routing config "@${slug}" v${version} is not valid: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`;
    return { ...base, strategy: null, error: new GatewayError("internal", message) };
  }
  const orgId = table.tables.projects.get(projectId)?.org_id;
  if (orgId === undefined) {
    return {
      ...base,
      strategy: null,
      error: new GatewayError("internal", `routing config "@${slug}" has no project`),
    };
  }
  const target = (value: Target, provider?: string) => {
    const compiled = compileTarget(table, orgId, projectId, value, provider);
    if (compiled.kind === "model") vendors.add(compiled.leaf.provider.vendor);
    else if (compiled.kind === "config") configs.push(compiled.slug);
    return compiled;
  };
  const settings = {
    cache: parsed.output.cache ?? null,
    embeddingDimensions: parsed.output.embedding_dimensions ?? null,
  };
  try {
    return { ...base, ...settings, strategy: compileStrategy(parsed.output, target), error: null };
  } catch (error) {
    if (!(error instanceof RuleCompileError)) throw error;
    const message = `routing config "@${slug}" v${version}: ${error.message}`;
    return { ...base, strategy: null, error: new GatewayError("internal", message) };
  }
}

function compileTarget(
  table: RouteTable,
  orgId: string,
  projectId: string,
  value: Target,
  provider?: string,
): CompiledTarget {
  const model = typeof value === "string" ? value : value.model;
  const providerRef = typeof value === "string" ? provider : (value.provider ?? provider);
  if (model.startsWith("@")) return configTarget(model);
  const label = providerRef === undefined ? model : `${providerRef}/${model}`;
  try {
    return { kind: "model", label, leaf: table.leafFor(orgId, projectId, model, providerRef) };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { kind: "unresolvable", label, error };
  }
}
