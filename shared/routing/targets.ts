// Every target a routing config names, with where it sits: for the reference check at save time,
// the routing engine, and the check that a provider about to be deleted is unused.
import type { RoutingConfig, Target } from "./config-schema.ts";

export interface NamedTarget {
  /** Where in the config, e.g. `attempts[1].model` or `rules[0].then`. */
  path: string;
  /** A model name, `provider/model`, or `@slug` (a `config` field is reported as `@slug`). */
  model: string;
  provider?: string;
  /** `config` when it names another routing config, `model` otherwise. */
  kind: "model" | "config";
}

/** The slug a target names, or undefined when it names a model. */
export function configSlugOf(model: string): string | undefined {
  return model.startsWith("@") ? model.slice(1) : undefined;
}

function named(path: string, target: Target, provider?: string): NamedTarget {
  const model = typeof target === "string" ? target : target.model;
  const pinned = typeof target === "string" ? provider : (target.provider ?? provider);
  const found: NamedTarget = { path, model, kind: model.startsWith("@") ? "config" : "model" };
  if (pinned !== undefined) found.provider = pinned;
  return found;
}

const configReference = (path: string, slug: string): NamedTarget => ({
  path,
  model: slug.startsWith("@") ? slug : `@${slug}`,
  kind: "config",
});

export function targetsOf(config: RoutingConfig): NamedTarget[] {
  switch (config.strategy) {
    case "single":
      return [named("model", config.model, config.provider)];
    case "fallback":
      return config.attempts.flatMap((attempt, index) => {
        if (attempt.config !== undefined)
          return [configReference(`attempts[${index}].config`, attempt.config)];
        return attempt.model === undefined
          ? []
          : [named(`attempts[${index}].model`, attempt.model, attempt.provider)];
      });
    case "cost_optimized":
      return config.allowed_models.map((model, index) => named(`allowed_models[${index}]`, model));
    case "latency_optimized":
      return config.candidates.map((model, index) => named(`candidates[${index}]`, model));
    case "ensemble": {
      const members = config.members.map((member, index) =>
        named(`members[${index}].model`, member.model),
      );
      return config.judge === undefined ? members : [...members, named("judge", config.judge)];
    }
    case "ab_test":
      return config.variants.flatMap((variant, index) => {
        if (variant.config !== undefined)
          return [configReference(`variants[${index}].config`, variant.config)];
        return variant.model === undefined
          ? []
          : [named(`variants[${index}].model`, variant.model)];
      });
    case "cascade":
      return config.steps.flatMap((step, index) => {
        const judge = step.accept?.judge_score?.judge;
        const model = named(`steps[${index}].model`, step.model);
        return judge === undefined
          ? [model]
          : [model, named(`steps[${index}].accept.judge_score.judge`, judge)];
      });
    case "custom_rules":
      return config.rules.map((rule, index) =>
        "else" in rule
          ? named(`rules[${index}].else`, rule.else)
          : named(`rules[${index}].then`, rule.then),
      );
  }
}
