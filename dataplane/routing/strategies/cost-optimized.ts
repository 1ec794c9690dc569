// cost_optimized: the cheapest allowed model that meets the quality tier and what the request
// needs (tools, vision, JSON, context window), priced from the catalog for this request's
// estimated tokens. The rest follow in price order as fallbacks.
import { TIER_RANK } from "#shared/pricing/catalog.ts";
import type { RequestFeatures } from "../request-features.ts";
import type { Leaf, QualityTier } from "../route-table.ts";

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
