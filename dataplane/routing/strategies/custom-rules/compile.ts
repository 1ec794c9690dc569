// custom_rules compile once per snapshot: each `if` is parsed and type-checked against the
// rule environment, so a config that cannot run is rejected before any request sees it.
import type { ParseResult } from "@marcbachmann/cel-js";
import { ruleEnvironment } from "./environment.ts";

export type RuleSpec<T> = { if: string; then: T } | { else: T };

export type CompiledRule<T> =
  | { kind: "if"; source: string; program: ParseResult; target: T }
  | { kind: "else"; target: T };

export type CompiledRules<T> = readonly CompiledRule<T>[];

export class RuleCompileError extends Error {
  override readonly name = "RuleCompileError";

  constructor(
    /** Position of the offending rule in `rules`. */
    readonly ruleIndex: number,
    readonly reason: string,
  ) {
    super(`rules[${ruleIndex}]: ${reason}`);
  }
}

/** @throws RuleCompileError naming the first rule that does not compile. */
export function compileRules<T>(rules: readonly RuleSpec<T>[]): CompiledRules<T> {
  return rules.map((rule, index): CompiledRule<T> => {
    if ("else" in rule) {
      if (index !== rules.length - 1) {
        throw new RuleCompileError(index, "`else` must be the last rule");
      }
      return { kind: "else", target: rule.else };
    }
    return {
      kind: "if",
      source: rule.if,
      program: compileCondition(rule.if, index),
      target: rule.then,
    };
  });
}

function compileCondition(source: string, index: number): ParseResult {
  let program: ParseResult;
  try {
    program = ruleEnvironment.parse(source);
  } catch (error) {
    throw new RuleCompileError(index, celMessage(error));
  }
  const checked = program.check();
  if (!checked.valid) throw new RuleCompileError(index, celMessage(checked.error));
  // `dyn` is let through (e.g. `dyn(x)`); evaluation then requires a bool.
  if (checked.type !== "bool" && checked.type !== "dyn") {
    throw new RuleCompileError(index, `condition must be a bool, got ${checked.type}`);
  }
  return program;
}

/** The library's messages end with a source excerpt over several lines; keep the first. */
export function celMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const newline = message.indexOf("\n");
  return newline === -1 ? message : message.slice(0, newline);
}
