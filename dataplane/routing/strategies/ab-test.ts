// ab_test: a variant drawn by weight from a hash of the sticky key, so the same user (or
// conversation) lands on the same variant on every data plane, and a request key spreads
// requests independently.
import type { Target } from "#shared/routing/config-schema.ts";
import { type CompiledTarget, configTarget } from "../compiled-target.ts";
import type { RoutingStrategy } from "./strategy.ts";

export interface CompiledAbTest {
  strategy: "ab_test";
  variants: Array<{ label: string; weight: number; target: CompiledTarget }>;
  totalWeight: number;
  sticky: "user" | "conversation" | "request";
}

export const abTest: RoutingStrategy<"ab_test", CompiledAbTest> = {
  name: "ab_test",
  compile(config, target) {
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
  },
  expand(compiled, plan, scope) {
    const { input } = plan;
    const { key, by } = stickyKey(compiled.sticky, {
      user: input.user,
      conversation: input.conversationId,
      requestId: input.requestId,
    });
    const chosen = pickVariant(
      compiled.variants,
      compiled.totalWeight,
      stickyPoint(scope.slug, key),
    );
    const variant = compiled.variants[chosen] as (typeof compiled.variants)[number];
    plan.nameVariant(variant.label);
    const share = ((variant.weight / compiled.totalWeight) * 100).toFixed(0);
    const stuck =
      by === compiled.sticky ? `sticky by ${by}` : `no ${compiled.sticky} given; drawn by ${by}`;
    compiled.variants.forEach((other, index) => {
      if (index !== chosen)
        plan.candidates.push({
          target: other.target.label,
          provider: null,
          model: null,
          status: "unused",
          reason: `variant "${other.label}" not drawn`,
          via: scope.via,
        });
    });
    if (scope.top) plan.explain(`A/B variant "${variant.label}" (${share}% of traffic, ${stuck})`);
    return plan.expand(variant.target, scope, null, `A/B variant "${variant.label}", ${stuck}`);
  },
};

function variantLabel(variant: { model?: Target; config?: string }, index: number): string {
  if (variant.config !== undefined)
    return variant.config.startsWith("@") ? variant.config : `@${variant.config}`;
  const model = variant.model;
  if (model === undefined) return `variant-${index}`;
  return typeof model === "string" ? model : model.model;
}

/** 32-bit FNV-1a; fast, and well spread for short keys. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32) so nearby keys ("user-1", "user-2") spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Position in [0, 1) for `key` within the config `slug`. */
export function stickyPoint(slug: string, key: string): number {
  return fnv1a(`${slug}\u0000${key}`) / 4_294_967_296;
}

/** The index of the variant whose cumulative weight covers `point × total`. */
export function pickVariant(
  weights: readonly { weight: number }[],
  total: number,
  point: number,
): number {
  let remaining = point * total;
  for (let index = 0; index < weights.length; index++) {
    remaining -= (weights[index] as { weight: number }).weight;
    if (remaining < 0) return index;
  }
  return weights.length - 1;
}

export interface StickyKeys {
  user: string | null;
  conversation: string | null;
  requestId: string;
}

/**
 * The key a variant is drawn from, and what it was. A missing user (or conversation) falls
 * back to the other, then to the request: such requests are split, not stuck to one variant.
 */
export function stickyKey(
  sticky: "user" | "conversation" | "request",
  keys: StickyKeys,
): { key: string; by: "user" | "conversation" | "request" } {
  if (sticky === "user" && keys.user) return { key: `u:${keys.user}`, by: "user" };
  if (sticky === "conversation" && keys.conversation)
    return { key: `c:${keys.conversation}`, by: "conversation" };
  if (sticky !== "request") {
    if (keys.user) return { key: `u:${keys.user}`, by: "user" };
    if (keys.conversation) return { key: `c:${keys.conversation}`, by: "conversation" };
  }
  return { key: `r:${keys.requestId}`, by: "request" };
}
