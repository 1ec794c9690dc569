// custom_rules: what the CEL variables of a rule see for one request (DESIGN §6).
import type { RoutingInput } from "../plan-types.ts";
import type { RuleInput } from "../rules/environment.ts";

export function ruleInputOf(input: RoutingInput): RuleInput {
  const { features } = input;
  return {
    tags: input.tags,
    user: input.user ?? "",
    request: {
      input_tokens: features.inputTokens,
      has_tools: features.hasTools,
      has_images: features.hasImages,
      stream: features.stream,
      max_tokens: features.maxTokens,
    },
    budget: { used_pct: input.budgetUsedPct },
    nowMs: input.nowMs,
  };
}
