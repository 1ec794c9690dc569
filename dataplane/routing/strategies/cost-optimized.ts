// cost_optimized: the cheapest allowed model that meets the quality tier and what the request
// needs (tools, vision, JSON, context window), priced from the catalog for this request's
// estimated tokens. The rest follow in price order as fallbacks.
import { TIER_RANK } from "#shared/pricing/catalog.ts";
import type { CompiledTarget, Leaf } from "../compiled-target.ts";
import { type Attempt, attemptOf, type PlanStep, type TraceCandidate } from "../plan-types.ts";
import type { RequestFeatures } from "../request-features.ts";
import type { ConfigOf, RoutingStrategy } from "./strategy.ts";

export type QualityTier = ConfigOf<"cost_optimized">["quality_tier"];

export interface CompiledCostOptimized {
  strategy: "cost_optimized";
  tier: QualityTier;
  allowed: CompiledTarget[];
  require: { tools: boolean; vision: boolean; json: boolean; context: number | null };
}

export const costOptimized: RoutingStrategy<"cost_optimized", CompiledCostOptimized> = {
  name: "cost_optimized",
  compile: (config, target) => ({
    strategy: "cost_optimized",
    tier: config.quality_tier,
    allowed: config.allowed_models.map((model) => target(model)),
    require: {
      tools: config.require?.tools === true,
      vision: config.require?.vision === true,
      json: config.require?.json === true,
      context: config.require?.context ?? null,
    },
  }),
  expand(compiled, plan, scope): PlanStep[] {
    const { features } = plan.input;
    const { via } = scope;
    const ranked: Array<{ attempt: Attempt; cost: number; order: number }> = [];
    compiled.allowed.forEach((target, order) => {
      if (target.kind !== "model") {
        plan.excludeUnranked(
          target,
          "cost_optimized ranks models; a @config cannot be priced",
          via,
        );
        return;
      }
      const why = costIneligibility(
        target.leaf,
        { tier: compiled.tier, ...compiled.require },
        features,
      );
      if (why !== null) {
        plan.addCandidate(target, "excluded", why, via);
        return;
      }
      const cost = estimatedCostUsd(target.leaf, features);
      const index = plan.addCandidate(target, "planned", "", via);
      (plan.candidates[index] as TraceCandidate).estimated_cost_usd = cost;
      ranked.push({ attempt: attemptOf(target.leaf, null, index), cost, order });
    });
    ranked.sort((a, b) => a.cost - b.cost || a.order - b.order);
    ranked.forEach((entry, position) => {
      plan.note(entry.attempt.candidate, "planned", costRankReason(position, entry.cost));
    });
    const { kept, skipped } = plan.skipUnhealthy(ranked.map((entry) => entry.attempt));
    if (scope.top) {
      plan.explain(
        `cheapest of ${ranked.length} eligible model(s) at tier ${compiled.tier} or above${
          skipped ? `; ${skipped} skipped as unhealthy` : ""
        }`,
      );
    }
    return kept;
  },
};

/** Output tokens assumed when the request sets no max_tokens (documented in docs/routing.md). */
export const EXPECTED_OUTPUT_TOKENS = 256;

export interface CostRequirements {
  tier: QualityTier;
  tools: boolean;
  vision: boolean;
  json: boolean;
  context: number | null;
}

/** Why `leaf` cannot serve this request, or null when it can. */
export function costIneligibility(
  leaf: Leaf,
  required: CostRequirements,
  features: RequestFeatures,
): string | null {
  const { info } = leaf;
  if (TIER_RANK[info.qualityTier] < TIER_RANK[required.tier])
    return `quality tier ${info.qualityTier} below ${required.tier}`;
  if ((required.tools || features.hasTools) && !info.supports.tools)
    return required.tools
      ? "config requires tools; model has none"
      : "request has tools; model has none";
  if ((required.vision || features.hasImages) && !info.supports.vision)
    return required.vision
      ? "config requires vision; model has none"
      : "request has images; model has no vision";
  if ((required.json || features.wantsJson) && !info.supports.json)
    return required.json
      ? "config requires JSON mode; model has none"
      : "request asks for JSON; model has no JSON mode";
  const window = info.contextWindow;
  if (window !== null) {
    if (required.context !== null && window < required.context)
      return `context window ${window} below the required ${required.context}`;
    const needed = features.inputTokens + (features.maxTokens ?? 0);
    if (needed > window) return `request needs ~${needed} tokens; context window is ${window}`;
  }
  return null;
}

/** Estimated cost in USD of this request on `leaf`. */
export function estimatedCostUsd(leaf: Leaf, features: RequestFeatures): number {
  const output = features.maxTokens ?? EXPECTED_OUTPUT_TOKENS;
  return features.inputTokens * leaf.info.price.input + output * leaf.info.price.output;
}

/** The trace's reason for the model at `position` (0-based) of the price order. */
export function costRankReason(position: number, costUsd: number): string {
  const price = `$${costUsd.toPrecision(3)}`;
  return position === 0
    ? `cheapest eligible at ~${price} for this request`
    : `${ordinal(position + 1)} cheapest eligible (~${price})`;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
