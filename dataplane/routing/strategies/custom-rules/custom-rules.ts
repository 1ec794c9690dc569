// custom_rules: CEL conditions in order over the request's tags, user, features, budget use and
// time (DESIGN §6); the first match's target is expanded. The conditions compile once per
// snapshot (compile.ts); a condition that fails to evaluate counts as not matching.
import type { Target } from "#shared/routing/config-schema.ts";
import type { CompiledTarget } from "../../compiled-target.ts";
import type { RoutingInput } from "../../plan-types.ts";
import type { RoutingStrategy } from "../strategy.ts";
import { type CompiledRules, compileRules } from "./compile.ts";
import type { RuleInput } from "./environment.ts";
import { evaluateRules } from "./evaluate.ts";

export interface CompiledCustomRules {
  strategy: "custom_rules";
  rules: CompiledRules<CompiledTarget>;
}

export const customRules: RoutingStrategy<"custom_rules", CompiledCustomRules> = {
  name: "custom_rules",
  /** @throws RuleCompileError (the route table reports it as the config's error). */
  compile: (config, target) => ({
    strategy: "custom_rules",
    rules: compileRules<CompiledTarget>(
      config.rules.map((rule) =>
        "else" in rule
          ? { else: target(rule.else) }
          : // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
            { if: rule.if, then: target(rule.then as Target) },
      ),
    ),
  }),
  expand(compiled, plan, scope) {
    const { via } = scope;
    const decision = evaluateRules(compiled.rules, ruleInputOf(plan.input));
    const errors = new Map(decision.errors.map((error) => [error.ruleIndex, error.message]));
    compiled.rules.forEach((rule, index) => {
      if (index === decision.ruleIndex) return;
      const failed = errors.get(index);
      if (index > decision.ruleIndex && decision.ruleIndex >= 0) return;
      plan.candidates.push({
        target: rule.target.label,
        provider: null,
        model: null,
        status: "unused",
        reason:
          failed !== undefined
            ? `rule ${index + 1} could not be evaluated: ${failed}`
            : `rule ${index + 1} did not match: ${rule.kind === "if" ? rule.source : "else"}`,
        via,
      });
    });
    if (decision.target === null) return [];
    const matched = compiled.rules[decision.ruleIndex];
    const reason =
      matched?.kind === "if"
        ? `rule ${decision.ruleIndex + 1} matched: ${matched.source}`
        : "no rule matched; else";
    if (scope.top) plan.explain(reason);
    return plan.expand(decision.target, scope, null, reason);
  },
};

/** What the CEL variables of a rule see for one request. */
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
