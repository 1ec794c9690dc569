// Routing configs compiled once per snapshot (DESIGN §6): each config parsed with the save-time
// schema, every named model resolved to a provider and a health key, CEL rules compiled. A
// config compiles the first time a request names it and is reused until the snapshot changes.
import * as v from "valibot";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { ModelInfo } from "#shared/pricing/catalog.ts";
import {
  type RoutingConfig,
  routingConfigSchema,
  type Target,
} from "#shared/routing/config-schema.ts";
import { modelInfoFor } from "../snapshot/model-info.ts";
import {
  type RuntimeConfig,
  type RuntimeProvider,
  routingConfigKey,
} from "../snapshot/runtime-config.ts";
import { type HealthKey, healthKey } from "./health.ts";
import { resolveTarget } from "./resolve-target.ts";
import { type CompiledRules, compileRules, RuleCompileError } from "./rules/compile.ts";

/** A model a config names, resolved to the provider that serves it. */
export interface Leaf {
  provider: RuntimeProvider;
  model: string;
  healthKey: HealthKey;
  info: ModelInfo;
}

/** A target as compiled: a resolved model, a reference to another config, or why neither. */
export type CompiledTarget =
  | { kind: "model"; label: string; leaf: Leaf }
  | { kind: "config"; label: string; slug: string }
  | { kind: "unresolvable"; label: string; error: GatewayError };

export type AcceptSpec = Extract<RoutingConfig, { strategy: "cascade" }>["steps"][number]["accept"];
export type RetryCondition = "429" | "5xx" | "timeout";
export type QualityTier = Extract<RoutingConfig, { strategy: "cost_optimized" }>["quality_tier"];

export type CompiledStrategy =
  | { strategy: "single"; target: CompiledTarget }
  | {
      strategy: "fallback";
      attempts: Array<{ target: CompiledTarget; timeoutMs: number | null }>;
      retryOn: ReadonlySet<RetryCondition>;
      totalBudgetMs: number | null;
    }
  | {
      strategy: "cost_optimized";
      tier: QualityTier;
      allowed: CompiledTarget[];
      require: { tools: boolean; vision: boolean; json: boolean; context: number | null };
    }
  | {
      strategy: "latency_optimized";
      candidates: CompiledTarget[];
      metric: "p50" | "p95" | "ttft_p50";
      windowS: number;
      explorationPct: number;
    }
  | {
      strategy: "ensemble";
      members: Array<{ target: CompiledTarget; weight: number }>;
      aggregation: "first_valid" | "weighted_vote" | "weighted_average" | "llm_judge";
      judge: CompiledTarget | null;
      timeoutMs: number;
    }
  | {
      strategy: "ab_test";
      variants: Array<{ label: string; weight: number; target: CompiledTarget }>;
      totalWeight: number;
      sticky: "user" | "conversation" | "request";
    }
  | {
      strategy: "cascade";
      steps: Array<{ target: CompiledTarget; accept: AcceptSpec; judge: CompiledTarget | null }>;
    }
  | { strategy: "custom_rules"; rules: CompiledRules<CompiledTarget> };

export interface CompiledConfig {
  slug: string;
  version: number;
  projectId: string;
  strategy: CompiledStrategy | null;
  /** Why the stored config cannot be served (it should have been refused at save). */
  error: GatewayError | null;
  cacheEnabled: boolean;
}

export const DEFAULT_RETRY_ON: ReadonlySet<RetryCondition> = new Set(["429", "5xx", "timeout"]);

export class RouteTable {
  private readonly compiled = new Map<string, CompiledConfig | null>();
  /** Leaves for direct model names, shared by every request that names the same model. */
  private readonly leaves = new Map<string, Leaf>();

  constructor(readonly config: RuntimeConfig) {}

  /** The project's config `slug`, or undefined when it has none by that name. */
  configFor(projectId: string, slug: string): CompiledConfig | undefined {
    const key = routingConfigKey(projectId, slug);
    let found = this.compiled.get(key);
    if (found === undefined) {
      const stored = this.config.routingConfigs.get(key);
      found = stored
        ? compileConfig(this, projectId, stored.slug, stored.version, stored.config)
        : null;
      this.compiled.set(key, found);
    }
    return found ?? undefined;
  }

  /** Compiles every config of the snapshot ahead of the requests that will name them. */
  compileAll(): void {
    for (const stored of this.config.routingConfigs.values())
      this.configFor(stored.project_id, stored.slug);
  }

  allowsBareModels(projectId: string): boolean {
    return this.config.projects.get(projectId)?.settings.auto_resolve_bare_model !== false;
  }

  /** Resolves a model reference of `orgId` (throws the resolution's 400 when it cannot). */
  leafFor(orgId: string, projectId: string, model: string, providerRef?: string): Leaf {
    const cacheKey = `${orgId}\u0000${projectId}\u0000${providerRef ?? ""}\u0000${model}`;
    let leaf = this.leaves.get(cacheKey);
    if (leaf === undefined) {
      const target = resolveTarget(this.config, orgId, model, {
        allowBare: this.allowsBareModels(projectId),
        ...(providerRef === undefined ? {} : { providerRef }),
      });
      leaf = {
        provider: target.provider,
        model: target.model,
        healthKey: healthKey(target.provider.id, target.model),
        info: modelInfoFor(this.config, orgId, target.provider.vendor, target.model),
      };
      // Bounded: a client naming many distinct models must not grow this without end.
      if (this.leaves.size < 10_000) this.leaves.set(cacheKey, leaf);
    }
    return leaf;
  }
}

const tables = new WeakMap<RuntimeConfig, RouteTable>();

export function routeTableFor(config: RuntimeConfig): RouteTable {
  let table = tables.get(config);
  if (table === undefined) {
    table = new RouteTable(config);
    tables.set(config, table);
  }
  return table;
}

function compileConfig(
  table: RouteTable,
  projectId: string,
  slug: string,
  version: number,
  body: Record<string, unknown>,
): CompiledConfig {
  const base = { slug, version, projectId, cacheEnabled: body.cache !== undefined };
  const parsed = v.safeParse(routingConfigSchema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    const message = `routing config "@${slug}" v${version} is not valid: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`;
    return { ...base, strategy: null, error: new GatewayError("internal", message) };
  }
  const orgId = table.config.projects.get(projectId)?.org_id;
  if (orgId === undefined) {
    return {
      ...base,
      strategy: null,
      error: new GatewayError("internal", `routing config "@${slug}" has no project`),
    };
  }
  const target = (value: Target, provider?: string) =>
    compileTarget(table, orgId, projectId, value, provider);
  try {
    return { ...base, strategy: compileStrategy(parsed.output, target), error: null };
  } catch (error) {
    if (!(error instanceof RuleCompileError)) throw error;
    const message = `routing config "@${slug}" v${version}: ${error.message}`;
    return { ...base, strategy: null, error: new GatewayError("internal", message) };
  }
}

type CompileTarget = (value: Target, provider?: string) => CompiledTarget;

function compileStrategy(config: RoutingConfig, target: CompileTarget): CompiledStrategy {
  switch (config.strategy) {
    case "single":
      return { strategy: "single", target: target(config.model, config.provider) };
    case "fallback":
      return {
        strategy: "fallback",
        attempts: config.attempts.map((attempt) => ({
          target:
            attempt.config !== undefined
              ? configTarget(attempt.config)
              : target(attempt.model as Target, attempt.provider),
          timeoutMs: attempt.timeout_ms ?? null,
        })),
        retryOn: config.retry_on === undefined ? DEFAULT_RETRY_ON : new Set(config.retry_on),
        totalBudgetMs: config.total_budget_ms ?? null,
      };
    case "cost_optimized":
      return {
        strategy: "cost_optimized",
        tier: config.quality_tier,
        allowed: config.allowed_models.map((model) => target(model)),
        require: {
          tools: config.require?.tools === true,
          vision: config.require?.vision === true,
          json: config.require?.json === true,
          context: config.require?.context ?? null,
        },
      };
    case "latency_optimized":
      return {
        strategy: "latency_optimized",
        candidates: config.candidates.map((model) => target(model)),
        metric: config.metric,
        windowS: config.window_s,
        explorationPct: config.exploration_pct,
      };
    case "ensemble":
      return {
        strategy: "ensemble",
        members: config.members.map((member) => ({
          target: target(member.model),
          weight: member.weight,
        })),
        aggregation: config.aggregation,
        judge: config.judge === undefined ? null : target(config.judge),
        timeoutMs: config.timeout_ms,
      };
    case "ab_test": {
      const variants = config.variants.map((variant, index) => ({
        label: variant.name ?? variantLabel(variant, index),
        weight: variant.weight,
        target:
          variant.config !== undefined
            ? configTarget(variant.config)
            : target(variant.model as Target),
      }));
      return {
        strategy: "ab_test",
        variants,
        totalWeight: variants.reduce((sum, variant) => sum + variant.weight, 0),
        sticky: config.sticky,
      };
    }
    case "cascade":
      return {
        strategy: "cascade",
        steps: config.steps.map((step) => ({
          target: target(step.model),
          accept: step.accept,
          judge:
            step.accept?.judge_score === undefined ? null : target(step.accept.judge_score.judge),
        })),
      };
    case "custom_rules":
      return {
        strategy: "custom_rules",
        rules: compileRules<CompiledTarget>(
          config.rules.map((rule) =>
            "else" in rule
              ? { else: target(rule.else) }
              : // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
                { if: rule.if, then: target(rule.then as Target) },
          ),
        ),
      };
  }
}

function variantLabel(variant: { model?: Target; config?: string }, index: number): string {
  if (variant.config !== undefined)
    return variant.config.startsWith("@") ? variant.config : `@${variant.config}`;
  const model = variant.model;
  if (model === undefined) return `variant-${index}`;
  return typeof model === "string" ? model : model.model;
}

function configTarget(reference: string): CompiledTarget {
  const slug = reference.startsWith("@") ? reference.slice(1) : reference;
  return { kind: "config", label: `@${slug}`, slug };
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
