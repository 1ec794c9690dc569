// Step 5 of the pipeline: the model field becomes an ordered plan of attempts. This first
// version knows `single` and `fallback` configs; the routing engine (issue 4) brings the rest.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { RuntimeApiKey, RuntimeConfig, RuntimeProvider } from "../snapshot/runtime-config.ts";
import { routingConfigKey } from "../snapshot/runtime-config.ts";
import { resolveTarget } from "./resolve-target.ts";

export type RetryCondition = "429" | "5xx" | "timeout";

export interface Attempt {
  provider: RuntimeProvider;
  model: string;
  timeoutMs: number | null;
}

export interface RoutePlan {
  resolved: "config" | "direct" | "inferred";
  config: { slug: string; version: number } | null;
  strategy: string | null;
  attempts: Attempt[];
  retryOn: ReadonlySet<RetryCondition>;
  totalBudgetMs: number | null;
}

const MAX_DEPTH = 4;

/** What every step of expanding one request's config needs. */
interface PlanScope {
  config: RuntimeConfig;
  key: RuntimeApiKey;
  allowBare: boolean;
}
const DEFAULT_RETRY_ON: ReadonlySet<RetryCondition> = new Set(["429", "5xx", "timeout"]);

export function planRoute(config: RuntimeConfig, key: RuntimeApiKey, model: string): RoutePlan {
  const project = config.projects.get(key.projectId);
  const allowBare = project?.settings.auto_resolve_bare_model !== false;
  if (model.startsWith("@")) {
    const routing = lookupConfig(config, key, model.slice(1));
    return {
      resolved: "config",
      config: { slug: routing.slug, version: routing.version },
      strategy: typeof routing.config.strategy === "string" ? routing.config.strategy : null,
      attempts: expandConfig({ config, key, allowBare }, routing.config, 1),
      retryOn: retryConditions(routing.config),
      totalBudgetMs: numberOrNull(routing.config.total_budget_ms),
    };
  }
  const target = resolveTarget(config, key.orgId, model, { allowBare });
  return {
    resolved: target.resolved,
    config: null,
    strategy: null,
    attempts: [{ provider: target.provider, model: target.model, timeoutMs: null }],
    retryOn: DEFAULT_RETRY_ON,
    totalBudgetMs: null,
  };
}

function lookupConfig(config: RuntimeConfig, key: RuntimeApiKey, slug: string) {
  const routing = config.routingConfigs.get(routingConfigKey(key.projectId, slug));
  if (!routing)
    throw new GatewayError("not_found", `routing config "@${slug}" not found in this project`, {
      param: "model",
    });
  return routing;
}

function expandConfig(scope: PlanScope, body: Record<string, unknown>, depth: number): Attempt[] {
  if (depth > MAX_DEPTH)
    throw new GatewayError("invalid_request", "routing configs nest deeper than 4");
  switch (body.strategy) {
    case "single":
      return [targetAttempt(scope, body.model, body.provider, null, depth)];
    case "fallback": {
      const attempts = Array.isArray(body.attempts) ? body.attempts : [];
      return attempts.flatMap((entry: unknown) => {
        const item = (entry ?? {}) as Record<string, unknown>;
        const timeoutMs = numberOrNull(item.timeout_ms);
        const reference = item.config ?? item.model;
        return expandReference(scope, reference, item.provider, timeoutMs, depth);
      });
    }
    default:
      throw new GatewayError(
        "not_implemented",
        `routing strategy "${String(body.strategy)}" is not served by this data plane yet`,
      );
  }
}

function expandReference(
  scope: PlanScope,
  reference: unknown,
  provider: unknown,
  timeoutMs: number | null,
  depth: number,
): Attempt[] {
  if (typeof reference === "string" && reference.startsWith("@")) {
    const nested = lookupConfig(scope.config, scope.key, reference.slice(1));
    return expandConfig(scope, nested.config, depth + 1).map((attempt) => ({
      ...attempt,
      timeoutMs: attempt.timeoutMs ?? timeoutMs,
    }));
  }
  return [targetAttempt(scope, reference, provider, timeoutMs, depth)];
}

function targetAttempt(
  scope: PlanScope,
  reference: unknown,
  provider: unknown,
  timeoutMs: number | null,
  depth: number,
): Attempt {
  // A target is "model", "provider/model" or {model, provider}.
  const object =
    typeof reference === "object" && reference !== null
      ? (reference as Record<string, unknown>)
      : null;
  const model = object ? object.model : reference;
  const providerRef = object ? object.provider : provider;
  if (typeof model !== "string" || model === "") {
    throw new GatewayError("internal", `routing config target at depth ${depth} has no model`);
  }
  const target = resolveTarget(scope.config, scope.key.orgId, model, {
    allowBare: scope.allowBare,
    ...(typeof providerRef === "string" ? { providerRef } : {}),
  });
  return { provider: target.provider, model: target.model, timeoutMs };
}

function retryConditions(body: Record<string, unknown>): ReadonlySet<RetryCondition> {
  if (!Array.isArray(body.retry_on)) return DEFAULT_RETRY_ON;
  return new Set(
    body.retry_on.filter(
      (item): item is RetryCondition => item === "429" || item === "5xx" || item === "timeout",
    ),
  );
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
}
