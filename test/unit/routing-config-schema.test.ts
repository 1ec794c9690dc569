import { describe, expect, test } from "bun:test";
import { validateRoutingConfig } from "#shared/routing/validate.ts";

/** `{if, then}`, built in one place: custom_rules name their target "then" (DESIGN §6). */
// biome-ignore lint/suspicious/noThenProperty: the field's name is part of the config contract
const when = (condition: string, target: unknown) => ({ if: condition, then: target });

/** One valid config per strategy, with the fields of DESIGN §6. */
const VALID: Record<string, Record<string, unknown>> = {
  single: { strategy: "single", model: "gpt-4o-mini", provider: "openai-main" },
  fallback: {
    strategy: "fallback",
    attempts: [
      { model: "claude-haiku-4-5", timeout_ms: 2000 },
      { model: "openai/gpt-4o-mini" },
      { config: "@cheap" },
    ],
    retry_on: ["429", "5xx", "timeout"],
    total_budget_ms: 10_000,
  },
  cost_optimized: {
    strategy: "cost_optimized",
    quality_tier: "medium",
    allowed_models: ["gpt-4o-mini", { model: "claude-haiku-4-5", provider: "anthropic" }],
    require: { tools: true, vision: false, json: true, context: 100_000 },
  },
  latency_optimized: {
    strategy: "latency_optimized",
    candidates: ["gpt-4o-mini", "claude-haiku-4-5"],
    metric: "ttft_p50",
    window_s: 300,
    exploration_pct: 5,
  },
  ensemble: {
    strategy: "ensemble",
    members: [
      { model: "gpt-4o", weight: 2 },
      { model: "claude-sonnet-4-5", weight: 1 },
    ],
    aggregation: "llm_judge",
    judge: "gpt-4o-mini",
    timeout_ms: 20_000,
  },
  ab_test: {
    strategy: "ab_test",
    variants: [
      { name: "control", weight: 90, config: "@production" },
      { name: "candidate", weight: 10, model: "claude-sonnet-4-5" },
    ],
    sticky: "user",
  },
  cascade: {
    strategy: "cascade",
    steps: [
      {
        model: "gpt-4o-mini",
        accept: {
          finish_reason: ["stop"],
          no_refusal: true,
          min_length: 20,
          valid_json: true,
          judge_score: { judge: "gpt-4o", min: 0.7 },
        },
      },
      { model: "gpt-4o" },
    ],
  },
  custom_rules: {
    strategy: "custom_rules",
    rules: [
      when('"premium" in tags && request.has_tools', "@premium"),
      when("budget.used_pct > 0.8 || request.input_tokens > 50000", "gpt-4o-mini"),
      { else: { model: "gpt-4o", provider: "openai-main" } },
    ],
    cache: { mode: "semantic", ttl_seconds: 3600, similarity_threshold: 0.95 },
    embedding_dimensions: 1536,
  },
};

const errorsOf = (input: unknown) => {
  const result = validateRoutingConfig(input);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(input)}`);
  return result.errors;
};
const pathsOf = (input: unknown) => errorsOf(input).map((error) => error.path);
const withFields = (strategy: string, fields: Record<string, unknown>) => ({
  ...VALID[strategy],
  ...fields,
});

describe("routing config schema", () => {
  test.each(Object.keys(VALID))("accepts the %s example", (strategy) => {
    const result = validateRoutingConfig(VALID[strategy]);
    expect(result).toEqual({ ok: true, config: expect.objectContaining({ strategy }) });
  });

  test("accepts cache and embedding_dimensions on any strategy", () => {
    const config = { ...VALID.single, cache: { mode: "exact", ttl_seconds: 60 } };
    expect(validateRoutingConfig(config).ok).toBe(true);
  });

  test("an unknown or missing strategy is an error on strategy", () => {
    expect(errorsOf({ strategy: "round_robin", model: "x" })).toEqual([
      { path: "strategy", message: expect.stringContaining("single, fallback") },
    ]);
    expect(pathsOf({ model: "x" })).toEqual(["strategy"]);
    expect(pathsOf("single")).toEqual([""]);
  });

  test("fallback: missing or empty attempts, negative timeout, bad retry_on", () => {
    expect(errorsOf({ strategy: "fallback", retry_on: ["5xx"] })).toEqual([
      { path: "attempts", message: "required" },
    ]);
    expect(pathsOf(withFields("fallback", { attempts: [] }))).toEqual(["attempts"]);
    const attempts = [{ model: "a" }, { model: "b", timeout_ms: -5 }];
    expect(pathsOf(withFields("fallback", { attempts }))).toEqual(["attempts[1].timeout_ms"]);
    expect(errorsOf(withFields("fallback", { retry_on: ["5xx", "500"] }))).toEqual([
      { path: "retry_on[1]", message: 'must be "429", "5xx" or "timeout"' },
    ]);
    expect(pathsOf(withFields("fallback", { total_budget_ms: 0 }))).toEqual(["total_budget_ms"]);
  });

  test("an attempt or variant names exactly one of model or config", () => {
    const attempts = [{ model: "a", config: "@b" }];
    expect(pathsOf(withFields("fallback", { attempts }))).toEqual(["attempts[0]"]);
    const variants = [{ weight: 1 }];
    expect(pathsOf(withFields("ab_test", { variants }))).toEqual(["variants[0]"]);
    const slugWithProvider = [{ model: "@prod", provider: "openai-main" }];
    expect(pathsOf(withFields("fallback", { attempts: slugWithProvider }))).toEqual([
      "attempts[0].provider",
    ]);
  });

  test("weights must be greater than 0", () => {
    const members = [
      { model: "a", weight: 1 },
      { model: "b", weight: 0 },
    ];
    expect(pathsOf(withFields("ensemble", { members }))).toEqual(["members[1].weight"]);
    const variants = [{ name: "x", weight: -1, model: "a" }];
    expect(pathsOf(withFields("ab_test", { variants }))).toEqual(["variants[0].weight"]);
  });

  test("ensemble: llm_judge needs a judge; other aggregations take none", () => {
    expect(errorsOf(withFields("ensemble", { judge: undefined }))).toEqual([
      { path: "judge", message: "llm_judge aggregation needs a judge" },
    ]);
    expect(pathsOf(withFields("ensemble", { aggregation: "weighted_vote" }))).toEqual(["judge"]);
  });

  test("ab_test: variant names are unique, sticky is a known key", () => {
    const variants = [
      { name: "a", weight: 1, model: "x" },
      { name: "a", weight: 1, model: "y" },
    ];
    expect(pathsOf(withFields("ab_test", { variants }))).toEqual(["variants"]);
    expect(pathsOf(withFields("ab_test", { sticky: "session" }))).toEqual(["sticky"]);
  });

  test("latency_optimized: exploration_pct within 0-100, a known metric", () => {
    expect(pathsOf(withFields("latency_optimized", { exploration_pct: 101 }))).toEqual([
      "exploration_pct",
    ]);
    expect(pathsOf(withFields("latency_optimized", { metric: "p99" }))).toEqual(["metric"]);
  });

  test("custom_rules: exactly one trailing else", () => {
    const withoutElse = [when("true", "a")];
    expect(pathsOf(withFields("custom_rules", { rules: withoutElse }))).toEqual(["rules"]);
    const elseFirst = [{ else: "b" }, when("true", "a")];
    expect(pathsOf(withFields("custom_rules", { rules: elseFirst }))).toEqual(["rules"]);
    const twoElses = [when("true", "a"), { else: "b" }, { else: "c" }];
    expect(pathsOf(withFields("custom_rules", { rules: twoElses }))).toEqual(["rules"]);
  });

  test("custom_rules: a CEL syntax error names rules[i].if", () => {
    const rules = [when("true", "a"), when("request.stream &&", "b"), { else: "c" }];
    const [error, ...rest] = errorsOf(withFields("custom_rules", { rules }));
    expect(rest).toEqual([]);
    expect(error?.path).toBe("rules[1].if");
    expect(error?.message).toStartWith("not a valid CEL expression");
  });

  test("unknown fields are refused, at any depth", () => {
    expect(errorsOf(withFields("single", { fallback_model: "x" }))).toEqual([
      { path: "fallback_model", message: "unknown field" },
    ]);
    const steps = [{ model: "a", accept: { min_lenght: 3 } }];
    expect(pathsOf(withFields("cascade", { steps }))).toEqual(["steps[0].accept.min_lenght"]);
    expect(pathsOf(withFields("single", { model: { model: "a", region: "eu" } }))).toEqual([
      "model.region",
    ]);
    expect(
      pathsOf(withFields("single", { cache: { mode: "exact", ttl_seconds: 1, x: 1 } })),
    ).toEqual(["cache.x"]);
  });

  test("targets: strings without whitespace, @slugs well formed", () => {
    expect(pathsOf(withFields("single", { model: "gpt 4o" }))).toEqual(["model"]);
    expect(pathsOf(withFields("single", { model: "@Prod", provider: undefined }))).toEqual([
      "model",
    ]);
    expect(pathsOf(withFields("single", { model: 42 }))).toEqual(["model"]);
  });

  test("cache: a known mode, similarity only for semantic", () => {
    const exact = { mode: "exact", ttl_seconds: 60, similarity_threshold: 0.9 };
    expect(pathsOf(withFields("single", { cache: exact }))).toEqual(["cache.similarity_threshold"]);
    expect(pathsOf(withFields("single", { cache: { mode: "fuzzy", ttl_seconds: 60 } }))).toEqual([
      "cache.mode",
    ]);
  });
});
