// The benchmark's world (bench/warehouse/README.md): the models with their speed and error rates,
// the routing configs a project picks from, and the tag vocabulary. Prices come from the catalog.

/**
 * provider, model, median ttft ms, tokens/s, median visible output tokens, thinks, error-rate
 * scale (groq rate-limits more, some vendors overload). Prices come from the catalog.
 */
export const MODEL_TABLE: [string, string, number, number, number, boolean, number][] = [
  ["openai", "gpt-4o-mini", 350, 90, 220, false, 0.8],
  ["openai", "gpt-4o", 450, 70, 300, false, 0.9],
  ["openai", "o4-mini", 700, 110, 350, true, 1],
  ["anthropic", "claude-haiku-4-5", 400, 120, 250, false, 1],
  ["anthropic", "claude-sonnet-4-5", 700, 65, 420, false, 1.3],
  ["google", "gemini-2.5-flash", 380, 160, 260, false, 0.9],
  ["google", "gemini-2.5-pro", 1200, 80, 500, true, 1.1],
  ["groq", "llama-3.3-70b-versatile", 120, 280, 230, false, 1.6],
  ["mistral", "mistral-large-latest", 500, 55, 320, false, 1],
  ["mistral", "mistral-small-latest", 280, 110, 200, false, 1],
  ["deepseek", "deepseek-chat", 900, 35, 300, false, 1.2],
  ["deepseek", "deepseek-reasoner", 2000, 30, 450, true, 1.2],
];

export interface ConfigTemplate {
  /** Absent for a request that names a model instead of a config. */
  slug?: string;
  strategy?: string;
  targets: string[];
  /** Why each target wins, by position; no character here needs escaping in JSON. */
  reasons: string[];
  /** An A/B test: variant names by target, and the share of the first. */
  variants?: string[];
  split?: number;
  cache?: boolean;
}

/** One way a project's requests are routed: a config, or a model named directly. */
export interface Route extends ConfigTemplate {
  version: number | null;
  resolved: string;
  requested: string;
}

export const CONFIG_TEMPLATES: ConfigTemplate[] = [
  {
    slug: "production",
    strategy: "fallback",
    targets: ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro"],
    reasons: [
      "primary healthy",
      "primary rate limited, next in chain healthy",
      "first two rate limited, third in chain healthy",
    ],
  },
  {
    slug: "chat",
    strategy: "single",
    targets: ["gpt-4o-mini"],
    reasons: ["single target"],
    cache: true,
  },
  {
    slug: "cheap",
    strategy: "cost_optimized",
    targets: ["deepseek-chat", "mistral-small-latest", "gpt-4o-mini", "gemini-2.5-flash"],
    reasons: ["cheapest allowed model at tier medium"],
  },
  {
    slug: "fast",
    strategy: "latency_optimized",
    targets: ["llama-3.3-70b-versatile", "gemini-2.5-flash", "gpt-4o-mini", "claude-haiku-4-5"],
    reasons: ["lowest p95 over 300 s", "exploration draw"],
  },
  {
    slug: "assistant",
    strategy: "ab_test",
    targets: ["gpt-4o", "claude-sonnet-4-5"],
    reasons: ["variant control drawn, sticky by user", "variant sonnet drawn, sticky by user"],
    variants: ["control", "sonnet"],
    split: 0.8,
  },
  {
    slug: "summarize",
    strategy: "ab_test",
    targets: ["gemini-2.5-flash", "mistral-large-latest"],
    reasons: ["variant control drawn, sticky by user", "variant mistral drawn, sticky by user"],
    variants: ["control", "mistral"],
    split: 0.5,
    cache: true,
  },
  {
    slug: "reasoning",
    strategy: "cascade",
    targets: ["deepseek-chat", "o4-mini"],
    reasons: ["step 1 accepted", "step 1 failed min_length, escalated"],
  },
  {
    slug: "router",
    strategy: "custom_rules",
    targets: ["claude-haiku-4-5", "deepseek-reasoner"],
    reasons: ["else branch", "rule 2 matched: tags.team == ml"],
  },
];

export const TEAMS = ["web", "ml", "search", "support", "growth", "platform"];
export const FEATURES = [
  "chat",
  "summarize",
  "search",
  "classify",
  "extract",
  "agent",
  "translate",
];
export const ENVS = ["prod", "staging", "dev"];
export const SLOTS = 1024;
export const DAY_MS = 86_400_000;

/** No tags, then every (team, feature, env), in the order the row query indexes them. */
export const TAG_SETS = [
  {},
  ...TEAMS.flatMap((team) =>
    FEATURES.flatMap((feature) => ENVS.map((env) => ({ team, feature, env }))),
  ),
];
