// modelux.ai's documented forms of a routing config that ours spell differently, rewritten to
// ours before a config is checked and stored (docs/compatibility.md): a config written from its
// docs saves, and reads back in our form.
//
// - cost_optimized `quality_tier: "standard"` (docs/guides/cost-optimization) is our "medium":
//   the middle of three tiers.
// - ab_test without `sticky` (docs/guides/ab-testing writes none) is a per-request split: the
//   docs describe a percentage split and log the variant per request, naming no stickiness.

const QUALITY_TIERS: Readonly<Record<string, string>> = { standard: "medium" };
export const DEFAULT_AB_STICKY = "request";

/** The config with every nested strategy object in our form; the input is not changed. */
export function inOurForm(config: Record<string, unknown>): Record<string, unknown> {
  return rewrite(config) as Record<string, unknown>;
}

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = rewrite(item);
  if (out.strategy === "cost_optimized" && typeof out.quality_tier === "string") {
    out.quality_tier = QUALITY_TIERS[out.quality_tier] ?? out.quality_tier;
  }
  if (out.strategy === "ab_test" && !("sticky" in out)) out.sticky = DEFAULT_AB_STICKY;
  return out;
}
