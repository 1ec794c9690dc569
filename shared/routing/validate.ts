// Save-time checks of a routing config: its shape (field-level errors with paths such as
// `attempts[1].timeout_ms`), then the `@slug` references it follows through the project's other
// configs (cycles, missing configs, nesting deeper than MAX_NESTING_DEPTH).
import * as v from "valibot";
import { formatPath } from "../validation/field-path.ts";
import { type RoutingConfig, routingConfigSchema } from "./config-schema.ts";
import { configSlugOf, targetsOf } from "./targets.ts";

export interface ConfigProblem {
  /** Where in the config, e.g. `attempts[1].timeout_ms`; empty for the config as a whole. */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; config: RoutingConfig }
  | { ok: false; errors: ConfigProblem[] };

/**
 * How many configs a chain of `@slug` references may go through, the config being saved
 * included: `@a → @b → @c → @d` is depth 4 and accepted, one more is refused.
 */
export const MAX_NESTING_DEPTH = 4;

function messageOf(issue: v.BaseIssue<unknown>): string {
  // A strict object's "expected never" is a field it does not know.
  if (issue.expected === "never") return "unknown field";
  // A missing key reports the key it expected.
  if (issue.kind === "schema" && issue.received === "undefined" && issue.expected?.startsWith('"'))
    return "required";
  return issue.message;
}

export function validateRoutingConfig(input: unknown): ValidationResult {
  const result = v.safeParse(routingConfigSchema, input);
  if (result.success) return { ok: true, config: result.output };
  return {
    ok: false,
    errors: result.issues.map((issue) => ({
      path: formatPath(
        (issue.path ?? []).map((item) =>
          typeof item.key === "number" ? item.key : String(item.key),
        ),
      ),
      message: messageOf(issue),
    })),
  };
}

export interface ReferenceProblem extends ConfigProblem {
  /** The slugs followed, the config checked first. */
  chain: string[];
}

const showChain = (chain: readonly string[]) => chain.map((slug) => `@${slug}`).join(" → ");

/** The first problem down one chain of references, if any. */
function followChain(
  chain: string[],
  resolve: (slug: string) => RoutingConfig | undefined,
): Omit<ReferenceProblem, "path"> | undefined {
  const current = chain[chain.length - 1] as string;
  if (chain.indexOf(current) < chain.length - 1) {
    return { chain, message: `cycle of routing configs: ${showChain(chain)}` };
  }
  if (chain.length > MAX_NESTING_DEPTH) {
    return {
      chain,
      message: `routing configs nest deeper than ${MAX_NESTING_DEPTH}: ${showChain(chain)}`,
    };
  }
  const config = resolve(current);
  if (!config) {
    return {
      chain,
      message: `no routing config @${current} in this project (${showChain(chain)})`,
    };
  }
  for (const target of targetsOf(config)) {
    const next = configSlugOf(target.model);
    if (next === undefined) continue;
    const problem = followChain([...chain, next], resolve);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Follows every `@slug` the config names, through `lookup` (the project's other current configs;
 * `slug` itself resolves to `config`, the version being saved). One problem per reference at most.
 */
export function findReferenceProblems(
  slug: string,
  config: RoutingConfig,
  lookup: (slug: string) => RoutingConfig | undefined,
): ReferenceProblem[] {
  const resolve = (name: string) => (name === slug ? config : lookup(name));
  const problems: ReferenceProblem[] = [];
  for (const target of targetsOf(config)) {
    const next = configSlugOf(target.model);
    if (next === undefined) continue;
    const problem = followChain([slug, next], resolve);
    if (problem) problems.push({ path: target.path, ...problem });
  }
  return problems;
}
