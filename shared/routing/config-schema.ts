// The user-facing routing config (DESIGN §6), one strict schema per strategy. The control plane
// refuses at save time whatever this refuses; the routing engine reads the type derived here.
import { Environment } from "@marcbachmann/cel-js";
import * as v from "valibot";

const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_TIMEOUT_MS = 3_600_000;

const text = (what: string, typeMessage = `${what} must be a string`) =>
  v.pipe(
    v.string(typeMessage),
    v.trim(),
    v.minLength(1, `${what} must not be empty`),
    v.maxLength(200),
  );

/** A model name, `provider/model` or `@slug`. */
const TARGET_MESSAGE =
  "must be a target: a model name, provider/model, @slug or {model, provider?}";
const targetName = v.pipe(
  text("a target", TARGET_MESSAGE),
  v.regex(/^\S+$/, "a target must not contain whitespace"),
  v.check(
    (name) => !name.startsWith("@") || SLUG.test(name.slice(1)),
    "a @slug target must be @ followed by 1-63 lower-case letters, digits, - or _",
  ),
);

const providerName = v.pipe(
  text("provider"),
  v.description("One of the org's providers, by name or id."),
);

const noProviderForSlug = (input: { model: unknown; provider?: unknown }) =>
  input.provider === undefined || (typeof input.model === "string" && !input.model.startsWith("@"));

const targetObject = v.pipe(
  v.strictObject({ model: targetName, provider: v.optional(providerName) }),
  v.forward(
    v.partialCheck(
      [["model"], ["provider"]],
      noProviderForSlug,
      "a provider cannot be set for a @slug target",
    ),
    ["provider"],
  ),
);

const isObject = (input: unknown) => typeof input === "object" && input !== null;

/**
 * A string target, or `{model, provider?}` to pin one of the org's providers. Chosen by the
 * input's type (not a union) so a mistake inside the object is reported at its own field.
 */
export const targetSchema = v.lazy((input) => (isObject(input) ? targetObject : targetName));

/** Another routing config of the project, `@slug` (the `@` may be left out). */
const configReference = v.pipe(
  v.string(),
  v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, "must be the @slug of a routing config"),
);

const positiveInt = (max: number) =>
  v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.minValue(1, "must be at least 1"),
    v.maxValue(max, `must be at most ${max}`),
  );
const timeoutMs = positiveInt(MAX_TIMEOUT_MS);
const weight = v.pipe(v.number(), v.finite(), v.gtValue(0, "weight must be greater than 0"));
const percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100));
const nonEmptyArray = <T extends v.GenericSchema>(item: T, what: string) =>
  v.pipe(v.array(item), v.minLength(1, `needs at least one ${what}`), v.maxLength(100));

/** Semantic caching's default threshold and embedding model when the config names none. */
export const DEFAULT_SIMILARITY_THRESHOLD = 0.9;
export const DEFAULT_CACHE_EMBEDDING_MODEL = "text-embedding-3-small";

/** The response cache (docs/caching.md). */
const cacheSchema = v.pipe(
  v.strictObject({
    mode: v.picklist(["exact", "semantic"]),
    ttl_seconds: positiveInt(30 * 86_400),
    similarity_threshold: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    /** The model that embeds a conversation for semantic lookups (a target, not a @slug). */
    embedding_model: v.optional(
      v.pipe(
        targetSchema,
        v.check(
          (target) => !(typeof target === "string" ? target : target.model).startsWith("@"),
          "embedding_model must be a model, not a @slug",
        ),
      ),
    ),
    /** Opt-ins: answers to sampled requests (temperature above 0 or unset) and tool calls. */
    allow_sampled: v.optional(v.boolean()),
    allow_tool_calls: v.optional(v.boolean()),
  }),
  v.forward(
    v.partialCheck(
      [["mode"], ["similarity_threshold"]],
      (input) => input.mode === "semantic" || input.similarity_threshold === undefined,
      "similarity_threshold applies to semantic caching only",
    ),
    ["similarity_threshold"],
  ),
  v.forward(
    v.partialCheck(
      [["mode"], ["embedding_model"]],
      (input) => input.mode === "semantic" || input.embedding_model === undefined,
      "embedding_model applies to semantic caching only",
    ),
    ["embedding_model"],
  ),
);

export type CacheConfig = v.InferOutput<typeof cacheSchema>;

/** What every strategy may carry. */
const common = {
  cache: v.optional(cacheSchema),
  embedding_dimensions: v.optional(positiveInt(16_384)),
};

const single = v.pipe(
  v.strictObject({
    strategy: v.literal("single"),
    model: targetSchema,
    provider: v.optional(providerName),
    ...common,
  }),
  v.forward(
    v.partialCheck(
      [["model"], ["provider"]],
      noProviderForSlug,
      "provider goes with a model name, not with a @slug or an object target",
    ),
    ["provider"],
  ),
);

const attempt = v.pipe(
  v.strictObject({
    model: v.optional(targetSchema),
    config: v.optional(configReference),
    timeout_ms: v.optional(timeoutMs),
    provider: v.optional(providerName),
  }),
  v.check(
    (input) => (input.model === undefined) !== (input.config === undefined),
    "an attempt names exactly one of model or config",
  ),
  v.forward(
    v.partialCheck(
      [["model"], ["provider"]],
      (input) =>
        input.provider === undefined ||
        noProviderForSlug({ model: input.model, provider: input.provider }),
      "provider goes with a model name, not with a config, a @slug or an object target",
    ),
    ["provider"],
  ),
);

const fallback = v.strictObject({
  strategy: v.literal("fallback"),
  attempts: nonEmptyArray(attempt, "attempt"),
  /** Absent means all three, as the data plane assumes; `[]` means never move on. */
  retry_on: v.optional(
    v.array(v.picklist(["429", "5xx", "timeout"], 'must be "429", "5xx" or "timeout"')),
  ),
  total_budget_ms: v.optional(timeoutMs),
  ...common,
});

const costOptimized = v.strictObject({
  strategy: v.literal("cost_optimized"),
  quality_tier: v.picklist(["low", "medium", "high"]),
  allowed_models: nonEmptyArray(targetSchema, "model"),
  require: v.optional(
    v.strictObject({
      tools: v.optional(v.boolean()),
      vision: v.optional(v.boolean()),
      json: v.optional(v.boolean()),
      context: v.optional(positiveInt(100_000_000)),
    }),
  ),
  ...common,
});

const latencyOptimized = v.strictObject({
  strategy: v.literal("latency_optimized"),
  candidates: nonEmptyArray(targetSchema, "candidate"),
  metric: v.picklist(["p50", "p95", "ttft_p50"]),
  window_s: positiveInt(86_400),
  exploration_pct: percent,
  ...common,
});

const ensemble = v.pipe(
  v.strictObject({
    strategy: v.literal("ensemble"),
    members: nonEmptyArray(v.strictObject({ model: targetSchema, weight }), "member"),
    aggregation: v.picklist(["first_valid", "weighted_vote", "weighted_average", "llm_judge"]),
    judge: v.optional(targetSchema),
    timeout_ms: timeoutMs,
    ...common,
  }),
  v.forward(
    v.partialCheck(
      [["aggregation"], ["judge"]],
      (input) => input.aggregation !== "llm_judge" || input.judge !== undefined,
      "llm_judge aggregation needs a judge",
    ),
    ["judge"],
  ),
  v.forward(
    v.partialCheck(
      [["aggregation"], ["judge"]],
      (input) => input.aggregation === "llm_judge" || input.judge === undefined,
      "judge is only used by llm_judge aggregation",
    ),
    ["judge"],
  ),
);

const variant = v.pipe(
  v.strictObject({
    name: v.optional(v.pipe(text("name"), v.maxLength(64))),
    weight,
    config: v.optional(configReference),
    model: v.optional(targetSchema),
  }),
  v.check(
    (input) => (input.model === undefined) !== (input.config === undefined),
    "a variant names exactly one of model or config",
  ),
);

const abTest = v.strictObject({
  strategy: v.literal("ab_test"),
  variants: v.pipe(
    nonEmptyArray(variant, "variant"),
    v.check((variants) => {
      const names = variants.flatMap((item) => (item.name === undefined ? [] : [item.name]));
      return new Set(names).size === names.length;
    }, "variant names must be unique"),
  ),
  sticky: v.picklist(["user", "conversation", "request"]),
  ...common,
});

const FINISH_REASONS = [
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
] as const;

const acceptance = v.strictObject({
  finish_reason: v.optional(nonEmptyArray(v.picklist(FINISH_REASONS), "finish reason")),
  no_refusal: v.optional(v.boolean()),
  min_length: v.optional(positiveInt(1_000_000)),
  valid_json: v.optional(v.boolean()),
  tool_call: v.optional(v.boolean()),
  judge_score: v.optional(
    v.strictObject({ judge: targetSchema, min: v.pipe(v.number(), v.minValue(0), v.maxValue(1)) }),
  ),
});

const cascade = v.strictObject({
  strategy: v.literal("cascade"),
  steps: nonEmptyArray(
    v.strictObject({ model: targetSchema, accept: v.optional(acceptance) }),
    "step",
  ),
  ...common,
});

/** Syntax only, with the options the data plane's rule environment has (optional `.?`). */
const celSyntax = new Environment({ enableOptionalTypes: true });

/** A CEL condition, parsed here so a syntax error is a save-time field error. */
const celCondition = v.pipe(
  v.string(),
  v.minLength(1, "a condition must not be empty"),
  v.maxLength(4000),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      celSyntax.parse(dataset.value);
    } catch (error) {
      const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
      addIssue({ message: `not a valid CEL expression: ${detail}` });
    }
  }),
);

// biome-ignore lint/suspicious/noThenProperty: DESIGN §6 names the field; a rule is never awaited.
const conditionalRule = v.strictObject({ if: celCondition, then: targetSchema });
const elseRule = v.strictObject({ else: targetSchema });
// Chosen by the presence of `else`, so a mistake is reported at its own field.
const rule = v.lazy((input) => (isObject(input) && "else" in input ? elseRule : conditionalRule));

const customRules = v.strictObject({
  strategy: v.literal("custom_rules"),
  rules: v.pipe(
    nonEmptyArray(rule, "rule"),
    v.check(
      (rules) =>
        rules.length > 0 &&
        "else" in (rules[rules.length - 1] ?? {}) &&
        rules.filter((item) => "else" in item).length === 1,
      "rules end with exactly one {else: target}, after every {if, then}",
    ),
  ),
  ...common,
});

export const STRATEGIES = [
  "single",
  "fallback",
  "cost_optimized",
  "latency_optimized",
  "ensemble",
  "ab_test",
  "cascade",
  "custom_rules",
] as const;

export const routingConfigSchema = v.variant(
  "strategy",
  [single, fallback, costOptimized, latencyOptimized, ensemble, abTest, cascade, customRules],
  `strategy must be one of ${STRATEGIES.join(", ")}`,
);

export type RoutingConfig = v.InferOutput<typeof routingConfigSchema>;
export type Target = v.InferOutput<typeof targetSchema>;
