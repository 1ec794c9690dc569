// Request-time side of custom_rules: the first rule whose condition holds wins. Never
// throws: a condition that fails to evaluate (a missing tag read as `tags.team`, a non-bool
// result) counts as not matching and is reported so the decision trace can show it.
import { type CompiledRules, celMessage } from "./compile.ts";
import { type RuleInput, ruleContext } from "./environment.ts";

export interface RuleEvaluationError {
  ruleIndex: number;
  message: string;
}

export interface RuleDecision<T> {
  /** Null when no rule matched and there is no `else`. */
  target: T | null;
  /** Index of the rule that decided (the `else` included), -1 when none did. */
  ruleIndex: number;
  matched: "rule" | "else" | "none";
  /** Conditions that failed to evaluate, in rule order; shared empty array when none. */
  errors: readonly RuleEvaluationError[];
}

const NO_ERRORS: readonly RuleEvaluationError[] = Object.freeze([]);

export function evaluateRules<T>(rules: CompiledRules<T>, input: RuleInput): RuleDecision<T> {
  const context = ruleContext(input);
  let errors: RuleEvaluationError[] | null = null;
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index] as CompiledRules<T>[number];
    if (rule.kind === "else") {
      return {
        target: rule.target,
        ruleIndex: index,
        matched: "else",
        errors: errors ?? NO_ERRORS,
      };
    }
    let result: unknown;
    try {
      result = rule.program(context);
    } catch (error) {
      errors = report(errors, index, celMessage(error));
      continue;
    }
    if (result === true) {
      return {
        target: rule.target,
        ruleIndex: index,
        matched: "rule",
        errors: errors ?? NO_ERRORS,
      };
    }
    if (result !== false) {
      errors = report(errors, index, `condition returned ${typeof result}, not a bool`);
    }
  }
  return { target: null, ruleIndex: -1, matched: "none", errors: errors ?? NO_ERRORS };
}

/** The error list is only allocated when a condition fails, which is the rare case. */
function report(
  errors: RuleEvaluationError[] | null,
  ruleIndex: number,
  message: string,
): RuleEvaluationError[] {
  const list = errors ?? [];
  list.push({ ruleIndex, message });
  return list;
}
