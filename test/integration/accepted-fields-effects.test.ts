// Nothing accepted is ignored (issue 18, "a test that would have caught this"): every field of
// the routing-config schema, every X-Modelux-* request header (documented in docs/routing.md and
// read by the data plane) and every top-level mlx:* body field has a row here, and every row sends
// requests through a data plane whose behaviour or decision trace changes because of it. The
// field lists are enumerated from the schema, the docs and the source, so a new field without a
// row fails this suite. A config row is two configs that differ in the field and one request to
// each (a dry run where the decision shows the effect, else a real one against the simulator,
// with faults where the effect needs one); a header or body row is a request with the input and
// one without.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as v from "valibot";
import { routingConfigSchema } from "#shared/routing/config-schema.ts";
import { decodeVector } from "../../dataplane/cache/cache-entry.ts";
import type { Found } from "../../dataplane/cache/response-cache.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitUntil } from "../support/wait.ts";

const ROOT = join(import.meta.dir, "../..");

/** Every key path of the routing-config schema (`cache.mode`, `attempts[].timeout_ms`, …). */
function schemaKeys(schema: unknown, prefix = "", into = new Set<string>()): Set<string> {
  const node = schema as {
    type?: string;
    entries?: Record<string, unknown>;
    options?: unknown[];
    pipe?: unknown[];
    wrapped?: unknown;
    item?: unknown;
    getter?: (input: unknown) => unknown;
  };
  if (node.type === "variant" || node.type === "union") {
    for (const option of node.options ?? []) schemaKeys(option, prefix, into);
  } else if (node.entries) {
    for (const [key, entry] of Object.entries(node.entries)) {
      const path = prefix ? `${prefix}.${key}` : key;
      into.add(path);
      schemaKeys(entry, path, into);
    }
  } else if (node.wrapped) schemaKeys(node.wrapped, prefix, into);
  else if (node.item) schemaKeys(node.item, `${prefix}[]`, into);
  else if (node.type === "lazy" && node.getter) {
    for (const probe of [{}, { else: "x" }, "x"]) schemaKeys(node.getter(probe), prefix, into);
  }
  if (node.pipe)
    for (const step of node.pipe.slice(1))
      if ((step as { kind?: string }).kind === "schema") schemaKeys(step, prefix, into);
  const first = node.pipe?.[0];
  if (first && first !== schema) schemaKeys(first, prefix, into);
  return into;
}

/**
 * The data plane's source: every X-Modelux-* request header it reads (`headers.get("x-modelux-…")`
 * or `.has(…)`, directly or through a constant; not a response's), every top-level mlx: field.
 */
function sourceFields(): { headers: Set<string>; bodyFields: Set<string> } {
  const headers = new Set<string>();
  const files = readdirSync(join(ROOT, "dataplane"), { recursive: true, encoding: "utf8" }).filter(
    (name) => name.endsWith(".ts"),
  );
  const texts = files.map((file) => readFileSync(join(ROOT, "dataplane", file), "utf8"));
  const constants = new Map<string, string>();
  for (const text of texts)
    for (const match of text.matchAll(/const ([A-Z_]+) = "(x-modelux-[a-z-]+)"/gi))
      constants.set(match[1] as string, (match[2] as string).toLowerCase());
  for (const text of texts) {
    for (const match of text.matchAll(
      /(?<!response\.)headers\??\.(?:get|has)\("(x-modelux-[a-z-]+)"\)/gi,
    ))
      headers.add((match[1] as string).toLowerCase());
    for (const match of text.matchAll(/(?<!response\.)headers\??\.(?:get|has)\(([A-Z_]+)\)/g)) {
      const name = constants.get(match[1] as string);
      if (name !== undefined) headers.add(name);
    }
  }
  const context = readFileSync(join(ROOT, "dataplane/pipeline/request-context.ts"), "utf8");
  const bodyFields = new Set(
    [...context.matchAll(/body\["(mlx:[a-z_]+)"\]/g)].map((m) => m[1] as string),
  );
  return { headers, bodyFields };
}

/** The request headers docs/routing.md documents ("Request headers …" table), lower-cased. */
function documentedHeaders(): Set<string> {
  const text = readFileSync(join(ROOT, "docs/routing.md"), "utf8");
  const start = text.indexOf("### Request headers");
  const table = text.slice(start, text.indexOf("\n## ", start));
  const headers = new Set<string>();
  for (const line of table.split("\n")) {
    const cell = line.split("|")[1] ?? "";
    for (const match of cell.matchAll(/X-Modelux-[A-Za-z-]+/g))
      headers.add((match[0] as string).toLowerCase());
  }
  return headers;
}

/** Fields holding a target (a name, or {model, provider}: docs/routing.md, Addressing). */
const TARGET_FIELDS = new Set([
  "model",
  "attempts[].model",
  "allowed_models",
  "candidates",
  "members[].model",
  "judge",
  "variants[].model",
  "steps[].model",
  "rules[].then",
  "rules[].else",
  "cache.embedding_model",
  "steps[].accept.judge_score.judge",
]);

const MINI = "openai/gpt-4o-mini";
const GPT4O = "openai/gpt-4o";
const CLAUDE = "anthropic/claude-sonnet-4-5";
const LLAMA = "groq/llama-3.3-70b-versatile";

type Config = Record<string, unknown>;
interface Exchange {
  response: Response;
  json: Record<string, unknown>;
  trace: DecisionTrace | null;
}
/**
 * Two configs that differ in the field (present or not, or two values), the same request sent to
 * each (`@<slug>`), and what is compared: the two observations must differ. `arm` runs before
 * each request (simulator faults).
 */
interface Pair {
  a: Config;
  b: Config;
  observe: (slug: string) => Promise<unknown>;
  arm?: () => Promise<void>;
}
/** Headers and mlx: fields: a request with the input and one without, compared. */
type Run = () => Promise<void>;

let harness: GatewayHarness;
const traces = () => harness.context.traces as RecentTraces;

async function chat(
  model: string,
  options: { headers?: Record<string, string>; body?: Record<string, unknown> } = {},
): Promise<Exchange> {
  const response = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${HARNESS_KEY}`,
      "content-type": "application/json",
      ...options.headers,
    },
    body: JSON.stringify({
      model,
      max_tokens: 16,
      temperature: 0,
      messages: [{ role: "user", content: "Say hi." }],
      ...options.body,
    }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  const trace = traces().find(response.headers.get("x-modelux-request-id") ?? "") ?? null;
  return { response, json, trace };
}
/** Two requests that differ in one input answer differently on what they observe. */
async function differs<T>(a: () => Promise<T>, b: () => Promise<T>) {
  const [left, right] = [await a(), await b()];
  expect(JSON.stringify(left ?? null)).not.toBe(JSON.stringify(right ?? null));
}
const dry = { "x-modelux-dry-run": "true" };
/** A dry run's decision: what would serve, the plan, the trace. */
const decided =
  (pick: (json: Record<string, unknown>, response: Response) => unknown) =>
  async (slug: string) => {
    const { json, response } = await chat(`@${slug}`, { headers: dry });
    expect(response.status).toBe(200);
    return pick(json, response);
  };
const wouldServe = decided((json) => json.would_serve);
const planStep = decided((json) => (json.plan as unknown[])[0]);
const dryTrace = (pick: (trace: DecisionTrace) => unknown) =>
  decided((json) => pick(json["mlx:trace"] as DecisionTrace));
/** A real request: what answered it, or its status when it failed. */
const served = async (slug: string, body: Record<string, unknown> = {}) => {
  const { response } = await chat(`@${slug}`, { body });
  return response.status === 200
    ? response.headers.get("x-modelux-model-used")
    : `HTTP ${response.status}`;
};
const roleModel = (role: string) => async (slug: string) =>
  (await chat(`@${slug}`)).trace?.attempts.find((attempt) => attempt.role === role)?.model ?? null;
/** An OpenAI chat completion the simulator answers instead of its own (a fault of status 200). */
const answerWith = (model: string, text: string) =>
  fault({
    model,
    status: 200,
    count: 1,
    body: {
      id: "chatcmpl-walk",
      object: "chat.completion",
      created: 1,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
    },
  });
async function fault(spec: Record<string, unknown>) {
  const response = await fetch(`${harness.simulator.url}/_sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (!response.ok) throw new Error(`fault not armed: ${await response.text()}`);
}
/** The entry a request's answer was stored under, once stored. */
const storedEntry = (trace: DecisionTrace | null) =>
  waitUntil(
    () =>
      harness.context.cache.exact(
        "org_h",
        "prj_h",
        trace?.cache_detail?.entry ?? "",
      ) as Found | null,
    { message: "the answer was not stored" },
  );

const single = (model: string, extra: Config = {}) => ({ strategy: "single", model, ...extra });
const fallback = (attempts: Config[], extra: Config = {}) => ({
  strategy: "fallback",
  attempts,
  ...extra,
});
const cheapest = (allowed: string[], extra: Config = {}) => ({
  strategy: "cost_optimized",
  quality_tier: "low",
  allowed_models: allowed,
  ...extra,
});
const fastest = (extra: Config = {}) => ({
  strategy: "latency_optimized",
  candidates: [MINI, CLAUDE],
  metric: "p50",
  window_s: 300,
  exploration_pct: 0,
  ...extra,
});
const ensemble = (extra: Config = {}) => ({
  strategy: "ensemble",
  members: [
    { model: MINI, weight: 1 },
    { model: LLAMA, weight: 1 },
  ],
  aggregation: "first_valid",
  timeout_ms: 5_000,
  ...extra,
});
const abTest = (variants: Config[], sticky = "request") => ({
  strategy: "ab_test",
  variants,
  sticky,
});
/** A cascade whose first step (gpt-4o-mini) is kept when `accept` accepts it, else Claude answers. */
const cascade = (accept?: Config) => ({
  strategy: "cascade",
  steps: [{ model: MINI, ...(accept ? { accept } : {}) }, { model: CLAUDE }],
});
const rules = (list: Config[]) => ({ strategy: "custom_rules", rules: list });
// biome-ignore lint/suspicious/noThenProperty: the config's own key (DESIGN §6), never awaited
const when = (condition: string, target: string) => ({ if: condition, then: target });
const exact = (extra: Config = {}) =>
  single(MINI, { cache: { mode: "exact", ttl_seconds: 60, ...extra } });
const semantic = (extra: Config = {}, outer: Config = {}) =>
  single(MINI, { ...outer, cache: { mode: "semantic", ttl_seconds: 60, ...extra } });
/** Cost-ordered: the search preview is cheapest and has no tools or JSON mode; 3.5 has both. */
const NO_TOOLS = ["openai/gpt-4o-mini-search-preview", "openai/gpt-3.5-turbo"];
/** gpt-3.5-turbo is cheaper, without vision and with a 16k context; gpt-4o has both. */
const NO_VISION = ["openai/gpt-3.5-turbo", GPT4O];
const TOOL_REQUEST = {
  tool_choice: "required",
  tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
  messages: [{ role: "user", content: "Weather in Paris?" }],
};

const CONFIG_ROWS: Record<string, Pair> = {
  strategy: {
    a: single(MINI),
    b: fallback([{ model: MINI }]),
    observe: dryTrace((trace) => trace.strategy),
  },
  model: { a: single(MINI), b: single(CLAUDE), observe: wouldServe },
  provider: {
    a: single("gpt-4o-mini", { provider: "openai" }),
    b: single("gpt-4o-mini", { provider: "azure" }),
    observe: wouldServe,
  },
  attempts: {
    a: fallback([{ model: MINI }]),
    b: fallback([{ model: CLAUDE }]),
    observe: wouldServe,
  },
  "attempts[].model": {
    a: fallback([{ model: MINI }, { model: LLAMA }]),
    b: fallback([{ model: CLAUDE }, { model: LLAMA }]),
    observe: wouldServe,
  },
  "attempts[].config": {
    a: fallback([{ config: "@openai" }]),
    b: fallback([{ config: "@anthropic" }]),
    observe: wouldServe,
  },
  "attempts[].timeout_ms": {
    a: fallback([{ model: MINI, timeout_ms: 1_000 }]),
    b: fallback([{ model: MINI, timeout_ms: 2_000 }]),
    observe: planStep,
  },
  "attempts[].provider": {
    a: fallback([{ model: "gpt-4o-mini", provider: "openai" }]),
    b: fallback([{ model: "gpt-4o-mini", provider: "azure" }]),
    observe: wouldServe,
  },
  // gpt-4o answers 503 once: moved on to Claude only when retry_on names 5xx.
  retry_on: {
    a: fallback([{ model: GPT4O }, { model: CLAUDE }], { retry_on: [] }),
    b: fallback([{ model: GPT4O }, { model: CLAUDE }], { retry_on: ["5xx"] }),
    arm: () => fault({ model: "gpt-4o", status: 503, count: 1 }),
    observe: (slug) => served(slug),
  },
  // gpt-4.1 answers after 400 ms: in time without a total budget; with one of 200 ms its call is
  // cut at 200 ms (whatever follows: Claude, or a 504 when nothing is left). Its own model: the
  // retry_on row's failures count towards gpt-4o's circuit breaker.
  total_budget_ms: {
    a: fallback([{ model: "openai/gpt-4.1", timeout_ms: 60_000 }, { model: CLAUDE }]),
    b: fallback([{ model: "openai/gpt-4.1", timeout_ms: 60_000 }, { model: CLAUDE }], {
      total_budget_ms: 200,
    }),
    arm: () => fault({ model: "gpt-4.1", stall_ms: 400, count: 1 }),
    observe: async (slug) => {
      const answer = await served(slug);
      return answer === "gpt-4.1" ? answer : "not gpt-4.1";
    },
  },
  quality_tier: {
    a: cheapest([MINI, GPT4O]),
    b: cheapest([MINI, GPT4O], { quality_tier: "high" }),
    observe: wouldServe,
  },
  allowed_models: { a: cheapest([MINI]), b: cheapest([CLAUDE]), observe: wouldServe },
  require: {
    a: cheapest(NO_TOOLS),
    b: cheapest(NO_TOOLS, { require: { tools: true } }),
    observe: wouldServe,
  },
  "require.tools": {
    a: cheapest(NO_TOOLS, { require: {} }),
    b: cheapest(NO_TOOLS, { require: { tools: true } }),
    observe: wouldServe,
  },
  "require.json": {
    a: cheapest(NO_TOOLS, { require: {} }),
    b: cheapest(NO_TOOLS, { require: { json: true } }),
    observe: wouldServe,
  },
  "require.vision": {
    a: cheapest(NO_VISION, { require: {} }),
    b: cheapest(NO_VISION, { require: { vision: true } }),
    observe: wouldServe,
  },
  "require.context": {
    a: cheapest(NO_VISION, { require: {} }),
    b: cheapest(NO_VISION, { require: { context: 100_000 } }),
    observe: wouldServe,
  },
  candidates: {
    a: fastest({ candidates: [MINI] }),
    b: fastest({ candidates: [CLAUDE] }),
    observe: wouldServe,
  },
  // No samples yet: each candidate's reason names what is measured, and over which window.
  metric: {
    a: fastest(),
    b: fastest({ metric: "p95" }),
    observe: dryTrace((trace) => trace.candidates[0]?.reason),
  },
  window_s: {
    a: fastest(),
    b: fastest({ window_s: 600 }),
    observe: dryTrace((trace) => trace.candidates[0]?.reason),
  },
  exploration_pct: {
    a: fastest(),
    b: fastest({ exploration_pct: 100 }),
    observe: dryTrace((trace) => trace.decision.reason),
  },
  members: {
    a: ensemble({ members: [{ model: MINI, weight: 1 }] }),
    b: ensemble({ members: [{ model: CLAUDE, weight: 1 }] }),
    observe: planStep,
  },
  "members[].model": {
    a: ensemble(),
    b: ensemble({
      members: [
        { model: CLAUDE, weight: 1 },
        { model: LLAMA, weight: 1 },
      ],
    }),
    observe: planStep,
  },
  // Two answers, one vote each: the heavier member's answer wins.
  "members[].weight": {
    a: ensemble({
      aggregation: "weighted_vote",
      members: [
        { model: MINI, weight: 2 },
        { model: LLAMA, weight: 1 },
      ],
    }),
    b: ensemble({
      aggregation: "weighted_vote",
      members: [
        { model: MINI, weight: 1 },
        { model: LLAMA, weight: 2 },
      ],
    }),
    arm: async () => {
      await answerWith("gpt-4o-mini", "alpha");
      await answerWith("llama-3.3-70b-versatile", "beta");
    },
    observe: async (slug) => {
      const { json } = await chat(`@${slug}`);
      return (json.choices as Array<{ message: { content: string } }>)[0]?.message.content;
    },
  },
  aggregation: {
    a: ensemble(),
    b: ensemble({ aggregation: "weighted_vote" }),
    observe: dryTrace((trace) => trace.decision.reason),
  },
  judge: {
    a: ensemble({ aggregation: "llm_judge", judge: MINI }),
    b: ensemble({ aggregation: "llm_judge", judge: CLAUDE }),
    observe: roleModel("ensemble judge"),
  },
  timeout_ms: { a: ensemble(), b: ensemble({ timeout_ms: 9_000 }), observe: planStep },
  variants: {
    a: abTest([{ weight: 1, model: MINI }]),
    b: abTest([{ weight: 1, model: CLAUDE }]),
    observe: wouldServe,
  },
  "variants[].name": {
    a: abTest([{ name: "left", weight: 1, model: MINI }]),
    b: abTest([{ name: "right", weight: 1, model: MINI }]),
    observe: decided((_json, response) => response.headers.get("x-modelux-ab-variant")),
  },
  "variants[].weight": {
    a: abTest([
      { name: "x", weight: 1, model: MINI },
      { name: "y", weight: 1_000_000, model: CLAUDE },
    ]),
    b: abTest([
      { name: "x", weight: 1_000_000, model: MINI },
      { name: "y", weight: 1, model: CLAUDE },
    ]),
    observe: wouldServe,
  },
  "variants[].config": {
    a: abTest([{ weight: 1, config: "@openai" }]),
    b: abTest([{ weight: 1, config: "@anthropic" }]),
    observe: wouldServe,
  },
  "variants[].model": {
    a: abTest([{ weight: 1, model: MINI }]),
    b: abTest([{ weight: 1, model: LLAMA }]),
    observe: wouldServe,
  },
  sticky: {
    a: abTest([{ weight: 1, model: MINI }], "request"),
    b: abTest([{ weight: 1, model: MINI }], "user"),
    observe: async (slug) =>
      (await chat(`@${slug}`, { headers: { ...dry, "x-modelux-user-id": "walker" } })).trace
        ?.decision.reason,
  },
  steps: {
    a: cascade(),
    b: { strategy: "cascade", steps: [{ model: CLAUDE }, { model: MINI }] },
    observe: (slug) => served(slug),
  },
  // max_tokens 16 cuts the first answer: the default check (no `accept`) moves on, min_length 1
  // keeps it (docs/routing.md, cascade).
  "steps[].model": {
    a: cascade({ min_length: 1 }),
    b: {
      strategy: "cascade",
      steps: [{ model: LLAMA, accept: { min_length: 1 } }, { model: CLAUDE }],
    },
    observe: (slug) => served(slug),
  },
  "steps[].accept": {
    a: cascade(),
    b: cascade({ min_length: 1 }),
    observe: (slug) => served(slug),
  },
  "steps[].accept.finish_reason": {
    a: cascade({ finish_reason: ["stop", "end_turn", "length", "max_tokens"] }),
    b: cascade({ finish_reason: ["tool_calls"] }),
    observe: (slug) => served(slug),
  },
  "steps[].accept.no_refusal": {
    a: cascade({}),
    b: cascade({ no_refusal: true }),
    arm: () => answerWith("gpt-4o-mini", "I'm sorry, but I can't help with that."),
    observe: (slug) => served(slug),
  },
  "steps[].accept.min_length": {
    a: cascade({ min_length: 1 }),
    b: cascade({ min_length: 1_000_000 }),
    observe: (slug) => served(slug),
  },
  "steps[].accept.valid_json": {
    a: cascade({}),
    b: cascade({ valid_json: true }),
    observe: (slug) => served(slug),
  },
  "steps[].accept.tool_call": {
    a: cascade({}),
    b: cascade({ tool_call: true }),
    observe: (slug) => served(slug),
  },
  "steps[].accept.judge_score": {
    a: cascade({}),
    b: cascade({ judge_score: { judge: LLAMA, min: 0 } }),
    observe: async (slug) => (await chat(`@${slug}`)).trace?.attempts.map((item) => item.role),
  },
  "steps[].accept.judge_score.judge": {
    a: cascade({ judge_score: { judge: LLAMA, min: 0 } }),
    b: cascade({ judge_score: { judge: GPT4O, min: 0 } }),
    observe: roleModel("judge of cascade step 1"),
  },
  // The judge scores the first answer 0.5: kept above a minimum of 0.3, escalated under 0.7.
  "steps[].accept.judge_score.min": {
    a: cascade({ judge_score: { judge: LLAMA, min: 0.3 } }),
    b: cascade({ judge_score: { judge: LLAMA, min: 0.7 } }),
    arm: () => answerWith("llama-3.3-70b-versatile", '{"score": 0.5}'),
    observe: (slug) => served(slug),
  },
  rules: { a: rules([{ else: MINI }]), b: rules([{ else: CLAUDE }]), observe: wouldServe },
  "rules[].if": {
    a: rules([when("true", CLAUDE), { else: MINI }]),
    b: rules([when("false", CLAUDE), { else: MINI }]),
    observe: wouldServe,
  },
  "rules[].then": {
    a: rules([when("true", CLAUDE), { else: MINI }]),
    b: rules([when("true", LLAMA), { else: MINI }]),
    observe: wouldServe,
  },
  "rules[].else": {
    a: rules([when("false", CLAUDE), { else: MINI }]),
    b: rules([when("false", CLAUDE), { else: LLAMA }]),
    observe: wouldServe,
  },
  cache: {
    a: single(MINI),
    b: exact(),
    observe: async (slug) => (await chat(`@${slug}`)).response.headers.get("x-modelux-cache"),
  },
  "cache.mode": {
    a: exact(),
    b: semantic(),
    observe: async (slug) => (await chat(`@${slug}`)).trace?.cache_detail?.mode,
  },
  // How long the stored entry serves.
  "cache.ttl_seconds": {
    a: exact(),
    b: exact({ ttl_seconds: 120 }),
    observe: async (slug) => {
      const { entry } = await storedEntry((await chat(`@${slug}`)).trace);
      return entry.expires_at - entry.created_at;
    },
  },
  // A paraphrase of a stored question: similar enough for 0.5, not for 0.99.
  "cache.similarity_threshold": {
    a: semantic({ similarity_threshold: 0.5 }),
    b: semantic({ similarity_threshold: 0.99 }),
    observe: async (slug) => {
      const question = (text: string) => ({ messages: [{ role: "user", content: text }] });
      const filled = await chat(`@${slug}`, {
        body: question("Where is the nearest train station?"),
      });
      await storedEntry(filled.trace);
      const again = await chat(`@${slug}`, {
        body: question("Where is the closest train station?"),
      });
      return again.response.headers.get("x-modelux-cache");
    },
  },
  "cache.embedding_model": {
    a: semantic({ embedding_model: "openai/text-embedding-3-small" }),
    b: semantic({ embedding_model: "openai/text-embedding-3-large" }),
    observe: roleModel("cache embedding"),
  },
  "cache.allow_sampled": {
    a: exact(),
    b: exact({ allow_sampled: true }),
    observe: async (slug) =>
      (await chat(`@${slug}`, { body: { temperature: 1 } })).response.headers.get(
        "x-modelux-cache",
      ),
  },
  // An answer calling a tool is stored only with the opt-in: looked up once a later plain
  // answer of the same config is stored (the tool answer's store ran before that one's).
  "cache.allow_tool_calls": {
    a: exact(),
    b: exact({ allow_tool_calls: true }),
    observe: async (slug) => {
      const tool = await chat(`@${slug}`, { body: TOOL_REQUEST });
      expect(tool.json.choices).toMatchObject([{ finish_reason: "tool_calls" }]);
      await storedEntry((await chat(`@${slug}`)).trace);
      const entry = tool.trace?.cache_detail?.entry ?? "";
      return harness.context.cache.exact("org_h", "prj_h", entry) !== null;
    },
  },
  // The size of the vectors the semantic cache keeps.
  embedding_dimensions: {
    a: semantic({}, { embedding_dimensions: 64 }),
    b: semantic({}, { embedding_dimensions: 128 }),
    observe: async (slug) => {
      const { entry } = await storedEntry((await chat(`@${slug}`)).trace);
      return decodeVector(entry.vector ?? "")?.length;
    },
  },
};

async function responses(headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(`${harness.baseUrl}/openai/v1/responses`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${HARNESS_KEY}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify({
      model: "@anthropic",
      input: "Search the news",
      tools: [{ type: "web_search" }],
    }),
  });
  await response.arrayBuffer();
  return response;
}
/** Uploads a file through the OpenAI surface; a `batch` file holds one chat line. */
async function upload(headers: Record<string, string>, purpose = "user_data"): Promise<Response> {
  const form = new FormData();
  form.set("purpose", purpose);
  const line = JSON.stringify({
    custom_id: "1",
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
  });
  form.set("file", new Blob([purpose === "batch" ? `${line}\n` : "notes"]), "input.jsonl");
  const response = await fetch(`${harness.baseUrl}/openai/v1/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${HARNESS_KEY}`, ...headers },
    body: form,
  });
  if (purpose === "batch") return response;
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  return Object.assign(response, { toJSON: () => response.headers.get("x-modelux-provider-used") });
}
async function createBatch(fileId: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.baseUrl}/openai/v1/batches`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${HARNESS_KEY}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify({
      input_file_id: fileId,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    }),
  });
  const json = (await response.json()) as { error?: { param?: string } };
  return { status: response.status, param: json.error?.param ?? null };
}

const HEADER_ROWS: Record<string, Run> = {
  "x-modelux-user-id": () =>
    differs(
      async () => (await chat("@single-a")).trace?.user,
      async () => (await chat("@single-a", { headers: { "x-modelux-user-id": "u1" } })).trace?.user,
    ),
  "x-modelux-user-tags": () =>
    differs(
      async () => (await chat("@single-a")).trace?.tags,
      async () =>
        (await chat("@single-a", { headers: { "x-modelux-user-tags": "team=ml" } })).trace?.tags,
    ),
  "x-modelux-trace-id": () =>
    differs(
      async () => (await chat("@single-a")).trace?.trace_id,
      async () =>
        (await chat("@single-a", { headers: { "x-modelux-trace-id": "t1" } })).trace?.trace_id,
    ),
  "x-modelux-conversation-id": () =>
    differs(
      async () => (await chat("@single-a")).trace?.conversation_id,
      async () =>
        (await chat("@single-a", { headers: { "x-modelux-conversation-id": "c1" } })).trace
          ?.conversation_id,
    ),
  "x-modelux-dry-run": () =>
    differs(
      async () => (await chat("@single-a")).json.object,
      async () => (await chat("@single-a", { headers: dry })).json.object,
    ),
  "x-modelux-provider-key": () =>
    differs(
      async () => (await chat("@single-a")).trace?.provider_key ?? null,
      async () =>
        (
          await chat("@single-a", {
            headers: { "x-modelux-provider-key": "sk-own-key-0123456789abcdef" },
          })
        ).trace?.provider_key ?? null,
    ),
  // A built-in tool the route's vendor cannot run: a 400 naming it, or left out when asked.
  "x-modelux-unsupported-tools": () =>
    differs(
      async () => (await responses()).status,
      async () => (await responses({ "x-modelux-unsupported-tools": "drop" })).status,
    ),
  // Which of the org's providers holds an uploaded file.
  "x-modelux-provider": () =>
    differs(
      async () => await upload({ "x-modelux-provider": "openai" }),
      async () => await upload({ "x-modelux-provider": "azure" }),
    ),
  // A spend cap on a vendor's own batch would not be honoured: refused, naming the header.
  "x-modelux-batch-spend-cap-usd": async () => {
    const file = (await (await upload({}, "batch")).json()) as { id: string };
    await differs(
      async () => await createBatch(file.id),
      async () => await createBatch(file.id, { "x-modelux-batch-spend-cap-usd": "1" }),
    );
  },
};

const BODY_ROWS: Record<string, Run> = {
  "mlx:tags": () =>
    differs(
      async () => (await chat("@single-a")).trace?.tags,
      async () => (await chat("@single-a", { body: { "mlx:tags": { team: "ml" } } })).trace?.tags,
    ),
  "mlx:end_user": () =>
    differs(
      async () => (await chat("@single-a")).trace?.user,
      async () => (await chat("@single-a", { body: { "mlx:end_user": "u2" } })).trace?.user,
    ),
  "mlx:trace": () =>
    differs(
      async () => "mlx:trace" in (await chat("@single-a")).json,
      async () => "mlx:trace" in (await chat("@single-a", { body: { "mlx:trace": true } })).json,
    ),
  "mlx:cache": () =>
    differs(
      async () => (await chat("@cached")).response.headers.get("x-modelux-cache"),
      async () =>
        (await chat("@cached", { body: { "mlx:cache": { skip: true } } })).response.headers.get(
          "x-modelux-cache",
        ),
    ),
};

const PAIRS = Object.entries(CONFIG_ROWS).map(([field, pair], index) => ({
  field,
  pair,
  a: `walk-${index}-a`,
  b: `walk-${index}-b`,
}));

describe("every accepted field changes something", () => {
  beforeAll(() => {
    const routingConfigs: Record<string, Config> = {
      "single-a": single(MINI),
      cached: exact(),
    };
    for (const { pair, a, b } of PAIRS) {
      routingConfigs[a] = pair.a;
      routingConfigs[b] = pair.b;
    }
    harness = startGatewayHarness({ routingConfigs });
  });
  afterAll(() => harness.stop());

  test("the rows are the schema's keys, the headers documented and read, and the mlx: fields read", () => {
    // A target written as {model, provider} is the target's own row (docs/routing.md).
    const all = schemaKeys(routingConfigSchema as unknown as v.GenericSchema);
    const keys = [...all].filter((key) => {
      const parent = key.replace(/\.(model|provider)$/, "").replace(/\[\]$/, "");
      return parent === key || !TARGET_FIELDS.has(parent);
    });
    expect(Object.keys(CONFIG_ROWS).sort()).toEqual(keys.sort());
    const { headers, bodyFields } = sourceFields();
    // What the data plane reads is documented, and each has a row.
    expect([...documentedHeaders()].sort()).toEqual([...headers].sort());
    expect(Object.keys(HEADER_ROWS).sort()).toEqual([...headers].sort());
    expect(Object.keys(BODY_ROWS).sort()).toEqual([...bodyFields].sort());
  });

  for (const { field, pair, a, b } of PAIRS)
    test(`config ${field}: the same request answers differently with it`, async () => {
      await fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" });
      await differs(
        async () => {
          await pair.arm?.();
          return pair.observe(a);
        },
        async () => {
          await pair.arm?.();
          return pair.observe(b);
        },
      );
    });
  for (const [group, rows] of [
    ["header", HEADER_ROWS],
    ["body", BODY_ROWS],
  ] as const)
    for (const [field, run] of Object.entries(rows))
      test(`${group} ${field}: a request changes because of it`, () => run());
});
