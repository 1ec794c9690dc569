import { describe, expect, test } from "bun:test";
import type { RoutingConfig } from "#shared/routing/config-schema.ts";
import { targetsOf } from "#shared/routing/targets.ts";
import { findReferenceProblems, validateRoutingConfig } from "#shared/routing/validate.ts";

/** `{if, then}`, built in one place: custom_rules name their target "then" (DESIGN §6). */
// biome-ignore lint/suspicious/noThenProperty: the field's name is part of the config contract
const when = (condition: string, target: unknown) => ({ if: condition, then: target });

const parsed = (input: unknown): RoutingConfig => {
  const result = validateRoutingConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
};
const single = (model: string) => parsed({ strategy: "single", model });
const fallback = (...attempts: Record<string, unknown>[]) =>
  parsed({ strategy: "fallback", attempts, retry_on: ["5xx"] });

/** Problems of saving `config` as `slug` among `others`. */
const problems = (slug: string, config: RoutingConfig, others: Record<string, RoutingConfig>) =>
  findReferenceProblems(slug, config, (name) => others[name]).map(({ path, message }) => ({
    path,
    message,
  }));

/** `@a → @b → … → model`: each config of the chain names the next. */
const chain = (length: number) =>
  Object.fromEntries(
    Array.from({ length }, (_, index) => {
      const slug = `c${index + 1}`;
      return [slug, index === length - 1 ? single("gpt-4o") : single(`@c${index + 2}`)];
    }),
  );

describe("routing config references", () => {
  test("a config naming only models has no problems", () => {
    expect(problems("a", fallback({ model: "x" }, { model: "y" }), {})).toEqual([]);
  });

  test("a self-reference is a cycle", () => {
    expect(problems("a", fallback({ config: "@a" }), {})).toEqual([
      { path: "attempts[0].config", message: "cycle of routing configs: @a → @a" },
    ]);
  });

  test("a cycle through other configs names the chain", () => {
    const others = { b: single("@c"), c: fallback({ model: "x" }, { config: "a" }) };
    expect(problems("a", single("@b"), others)).toEqual([
      { path: "model", message: "cycle of routing configs: @a → @b → @c → @a" },
    ]);
  });

  test("a missing config, directly or nested", () => {
    expect(problems("a", single("@ghost"), {})).toEqual([
      { path: "model", message: "no routing config @ghost in this project (@a → @ghost)" },
    ]);
    const others = { b: single("@ghost") };
    const rules = parsed({
      strategy: "custom_rules",
      rules: [when("request.stream", "@b"), { else: "x" }],
    });
    expect(problems("a", rules, others)).toEqual([
      {
        path: "rules[0].then",
        message: "no routing config @ghost in this project (@a → @b → @ghost)",
      },
    ]);
  });

  test("nesting depth 4 is accepted, 5 refused", () => {
    const four = chain(4);
    expect(problems("c1", four.c1 as RoutingConfig, four)).toEqual([]);
    const five = chain(5);
    expect(problems("c1", five.c1 as RoutingConfig, five)).toEqual([
      {
        path: "model",
        message: "routing configs nest deeper than 4: @c1 → @c2 → @c3 → @c4 → @c5",
      },
    ]);
  });

  test("the config being saved replaces its stored version", () => {
    const others = { a: single("x"), b: single("@a") };
    expect(problems("a", single("@b"), others)).toEqual([
      { path: "model", message: "cycle of routing configs: @a → @b → @a" },
    ]);
  });

  test("targetsOf names every target with its path", () => {
    const config = parsed({
      strategy: "cascade",
      steps: [
        { model: "a", accept: { judge_score: { judge: "@judge", min: 0.5 } } },
        { model: { model: "b", provider: "p" } },
      ],
    });
    expect(targetsOf(config)).toEqual([
      { path: "steps[0].model", model: "a", kind: "model" },
      { path: "steps[0].accept.judge_score.judge", model: "@judge", kind: "config" },
      { path: "steps[1].model", model: "b", provider: "p", kind: "model" },
    ]);
    expect(targetsOf(fallback({ config: "x" }, { model: "y", provider: "p" }))).toEqual([
      { path: "attempts[0].config", model: "@x", kind: "config" },
      { path: "attempts[1].model", model: "y", provider: "p", kind: "model" },
    ]);
  });
});
