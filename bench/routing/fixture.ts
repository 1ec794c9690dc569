// The benchmark's world: one snapshot (one org and project, six providers, a routing config per
// strategy), the cases measured against it, and a small chat request with what routing reads
// besides the config.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { HealthTracker } from "../../dataplane/routing/health.ts";
import { planRoute, type RoutingInput } from "../../dataplane/routing/plan.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";

const ORG = "org_bench";
const PROJECT = "prj_bench";
export const PROXY_KEY = "mlx_sk_benchbenchbenchbench01";
const VENDORS = ["openai", "anthropic", "google", "groq", "mistral", "deepseek"];

/** A custom_rules `{if, then}` rule. */
function when(condition: string, target: string) {
  // biome-ignore lint/suspicious/noThenProperty: the config's own key (DESIGN §6), never awaited
  return { if: condition, then: target };
}

export const CONFIGS: Record<string, Record<string, unknown>> = {
  single: { strategy: "single", model: "openai/gpt-4o-mini" },
  fallback: {
    strategy: "fallback",
    attempts: [
      { model: "anthropic/claude-sonnet-4-5", timeout_ms: 10_000 },
      { model: "openai/gpt-4o", timeout_ms: 10_000 },
      { model: "google/gemini-2.5-pro" },
    ],
    retry_on: ["429", "5xx", "timeout"],
    total_budget_ms: 30_000,
  },
  cost: {
    strategy: "cost_optimized",
    quality_tier: "medium",
    allowed_models: [
      "openai/gpt-4o-mini",
      "anthropic/claude-haiku-4-5",
      "google/gemini-2.5-flash",
      "groq/llama-3.3-70b-versatile",
      "mistral/mistral-small-latest",
      "deepseek/deepseek-chat",
    ],
  },
  latency: {
    strategy: "latency_optimized",
    candidates: [
      "openai/gpt-4o-mini",
      "anthropic/claude-haiku-4-5",
      "google/gemini-2.5-flash",
      "groq/llama-3.3-70b-versatile",
    ],
    metric: "p95",
    window_s: 300,
    exploration_pct: 5,
  },
  ensemble: {
    strategy: "ensemble",
    members: [
      { model: "openai/gpt-4o-mini", weight: 1 },
      { model: "anthropic/claude-haiku-4-5", weight: 1 },
      { model: "google/gemini-2.5-flash", weight: 0.5 },
    ],
    aggregation: "weighted_vote",
    timeout_ms: 15_000,
  },
  ab: {
    strategy: "ab_test",
    variants: [
      { name: "control", weight: 80, model: "openai/gpt-4o-mini" },
      { name: "haiku", weight: 10, model: "anthropic/claude-haiku-4-5" },
      { name: "chain", weight: 10, config: "@fallback" },
    ],
    sticky: "user",
  },
  cascade: {
    strategy: "cascade",
    steps: [
      {
        model: "groq/llama-3.1-8b-instant",
        accept: { finish_reason: ["stop", "end_turn"], no_refusal: true, min_length: 20 },
      },
      {
        model: "openai/gpt-4o-mini",
        accept: { judge_score: { judge: "openai/gpt-4o", min: 0.7 } },
      },
      { model: "anthropic/claude-sonnet-4-5" },
    ],
  },
  rules: {
    strategy: "custom_rules",
    rules: [
      when('"team" in tags && tags.team == "research"', "anthropic/claude-sonnet-4-5"),
      when("request.input_tokens > 8000 || request.has_images", "google/gemini-2.5-pro"),
      when("budget.used_pct > 0.8", "deepseek/deepseek-chat"),
      when("time.hour >= 22 || time.hour < 6", "groq/llama-3.1-8b-instant"),
      { else: "@single" },
    ],
  },
};

/** What is measured: the table's rows, in order. */
export const CASES: Array<{ name: string; model: string }> = [
  { name: "single", model: "@single" },
  { name: "fallback", model: "@fallback" },
  { name: "cost_optimized", model: "@cost" },
  { name: "latency_optimized", model: "@latency" },
  { name: "ensemble", model: "@ensemble" },
  { name: "ab_test", model: "@ab" },
  { name: "cascade", model: "@cascade" },
  { name: "custom_rules", model: "@rules" },
  { name: "direct provider/model", model: "anthropic/claude-haiku-4-5" },
  { name: "bare model name", model: "gpt-4o-mini" },
];

export const secretBox = new SecretBox(new Uint8Array(32).fill(3));

export function snapshotBody(): SnapshotBody {
  return {
    orgs: [{ id: ORG, slug: "bench", name: "Bench" }],
    projects: [{ id: PROJECT, org_id: ORG, slug: "main", settings: {} }],
    api_keys: [
      {
        id: "key_bench",
        org_id: ORG,
        project_id: PROJECT,
        name: "bench",
        key_hash: hashKey(PROXY_KEY),
        rpm_limit: null,
        expires_at: null,
      },
    ],
    providers: VENDORS.map((vendor) => ({
      id: `prv_${vendor}`,
      org_id: ORG,
      name: vendor,
      vendor,
      base_url: null,
      credential: secretBox.encrypt(`${vendor}-credential`),
      options: {},
    })),
    routing_configs: Object.entries(CONFIGS).map(([slug, config], index) => ({
      id: `rc_${index}`,
      org_id: ORG,
      project_id: PROJECT,
      slug,
      version: 1,
      config,
    })),
    budgets: [],
  };
}

// The request, and what routing reads besides the config.

export const request: CanonicalRequest = {
  model: "",
  system: [{ text: "You are a concise assistant for an online bookshop." }],
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Which three novels would you recommend for a long train ride?" },
      ],
    },
  ],
  tools: [],
  maxTokens: 512,
  temperature: 0.7,
  stream: true,
  openAiOnly: {},
  forwardHeaders: {},
};

/** A seeded PRNG, so latency exploration draws the same sequence on every run. */
export function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** ~200 latency samples per latency candidate, as a data plane has after some traffic. */
export function warmHealth(
  config: RuntimeConfig,
  key: RuntimeApiKey,
  input: RoutingInput,
): HealthTracker {
  const health = new HealthTracker();
  const random = xorshift(7);
  const plan = planRoute(config, key, "@latency", { ...input, health });
  plan.steps.forEach((step, rank) => {
    if (step.kind !== "attempt") return;
    for (let sample = 0; sample < 200; sample++) {
      const latencyMs = 300 + rank * 120 + random() * 400;
      health.recordSuccess(step.healthKey, { latencyMs, ttftMs: latencyMs / 3 });
    }
  });
  return health;
}

export const USERS = Array.from({ length: 1024 }, (_, index) => `user-${index}`);
export const REQUEST_IDS = Array.from({ length: 1024 }, (_, index) => `req_bench${index}`);
