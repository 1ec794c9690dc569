// single: one target, one attempt (a nested `@config` runs its own strategy).
import type { CompiledTarget } from "../compiled-target.ts";
import type { RoutingStrategy } from "./strategy.ts";

export interface CompiledSingle {
  strategy: "single";
  target: CompiledTarget;
}

export const single: RoutingStrategy<"single", CompiledSingle> = {
  name: "single",
  compile: (config, target) => ({
    strategy: "single",
    target: target(config.model, config.provider),
  }),
  expand(compiled, plan, scope) {
    if (scope.top) plan.explain("single target");
    return plan.expand(compiled.target, scope, null, "single target");
  },
};
