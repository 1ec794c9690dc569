// ensemble: every member asked at once within `timeout_ms`, the answers aggregated
// (aggregate.ts) by first_valid, weighted_vote, weighted_average or llm_judge. Plans as one
// composed step; run-ensemble.ts runs it.
import type { CompiledTarget } from "../../compiled-target.ts";
import type { EnsembleStep } from "../../plan-types.ts";
import type { ComposedStrategy } from "../strategy.ts";
import { runEnsemble } from "./run-ensemble.ts";

export interface CompiledEnsemble {
  strategy: "ensemble";
  members: Array<{ target: CompiledTarget; weight: number }>;
  aggregation: EnsembleStep["aggregation"];
  judge: CompiledTarget | null;
  timeoutMs: number;
}

export const ensemble: ComposedStrategy<"ensemble", CompiledEnsemble, EnsembleStep> = {
  name: "ensemble",
  compile: (config, target) => ({
    strategy: "ensemble",
    members: config.members.map((member) => ({
      target: target(member.model),
      weight: member.weight,
    })),
    aggregation: config.aggregation,
    judge: config.judge === undefined ? null : target(config.judge),
    timeoutMs: config.timeout_ms,
  }),
  expand(compiled, plan, scope) {
    const members = compiled.members
      .map((member, index) => ({
        attempts: plan.attemptsOf(
          member.target,
          scope,
          `ensemble member ${index + 1} (weight ${member.weight})`,
        ),
        weight: member.weight,
        label: member.target.label,
      }))
      .filter((member) => member.attempts.length > 0);
    if (members.length === 0) return [];
    const judge =
      compiled.judge === null ? null : plan.attemptsOf(compiled.judge, scope, "ensemble judge");
    if (scope.top)
      plan.explain(
        `ensemble of ${members.length} member(s), aggregated by ${compiled.aggregation}`,
      );
    return [
      {
        kind: "ensemble",
        label: scope.via[scope.via.length - 1] ?? "ensemble",
        members,
        aggregation: compiled.aggregation,
        judge,
        timeoutMs: compiled.timeoutMs,
      },
    ];
  },
  run: runEnsemble,
};
