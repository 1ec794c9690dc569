// Nothing accepted is ignored (issue 18, "a test that would have caught this"): every field of
// the routing-config schema, every X-Modelux-* request header the data plane reads and every
// top-level mlx:* body field has a row here naming what changes because of it. The keys are
// enumerated from the schema and the source, so a new field without a row fails this suite.
// Rows marked `run` send requests through a data plane (dry runs where the decision shows the
// effect) and assert the observable difference; rows marked `shownBy` name the test that
// demonstrates the effect, which must exist.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as v from "valibot";
import { routingConfigSchema } from "#shared/routing/config-schema.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

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

/** The data plane's source: every X-Modelux-* header it reads, every top-level mlx: field. */
function sourceFields(): { headers: Set<string>; bodyFields: Set<string> } {
  const headers = new Set<string>();
  const files = readdirSync(join(ROOT, "dataplane"), { recursive: true, encoding: "utf8" }).filter(
    (name) => name.endsWith(".ts"),
  );
  for (const file of files) {
    const text = readFileSync(join(ROOT, "dataplane", file), "utf8");
    for (const match of text.matchAll(/headers\.get\("(x-modelux-[a-z-]+)"\)/g))
      headers.add(match[1] as string);
  }
  const context = readFileSync(join(ROOT, "dataplane/pipeline/request-context.ts"), "utf8");
  const bodyFields = new Set(
    [...context.matchAll(/body\["(mlx:[a-z_]+)"\]/g)].map((m) => m[1] as string),
  );
  return { headers, bodyFields };
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

type Row = { shownBy: string } | { run: () => Promise<void> };

let harness: GatewayHarness;
const traces = () => harness.context.traces as RecentTraces;

async function chat(
  model: string,
  options: { headers?: Record<string, string>; body?: Record<string, unknown> } = {},
): Promise<{ response: Response; json: Record<string, unknown> }> {
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
  return { response, json: (await response.json()) as Record<string, unknown> };
}
const traceOf = (response: Response) =>
  traces().find(response.headers.get("x-modelux-request-id") ?? "") ?? null;
/** Two requests that differ in one input answer differently on `observe`. */
async function differs<T>(a: () => Promise<T>, b: () => Promise<T>) {
  const [left, right] = [await a(), await b()];
  expect(JSON.stringify(left)).not.toBe(JSON.stringify(right));
}
const dry = { "x-modelux-dry-run": "true" };
const served = (model: string) => async () =>
  (await chat(model, { headers: dry })).json.would_serve;

const CONFIG_ROWS: Record<string, Row> = {
  strategy: {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.strategy,
        async () => traceOf((await chat("@fallback-b")).response)?.strategy,
      ),
  },
  model: { run: () => differs(served("@single-a"), served("@single-b")) },
  provider: { run: () => differs(served("@single-a"), served("@single-azure")) },
  attempts: { run: () => differs(served("@fallback-a"), served("@fallback-b")) },
  "attempts[].model": { run: () => differs(served("@fallback-a"), served("@fallback-b")) },
  "attempts[].config": { shownBy: "test/integration/routing-strategies.test.ts" },
  "attempts[].timeout_ms": { shownBy: "test/integration/dataplane-execution.test.ts" },
  "attempts[].provider": { shownBy: "test/integration/routing-strategies.test.ts" },
  retry_on: { shownBy: "test/integration/dataplane-execution.test.ts" },
  total_budget_ms: { shownBy: "test/integration/dataplane-execution.test.ts" },
  quality_tier: { shownBy: "test/integration/routing-strategies.test.ts" },
  allowed_models: { shownBy: "test/integration/routing-strategies.test.ts" },
  require: { shownBy: "test/integration/routing-strategies.test.ts" },
  "require.tools": { shownBy: "test/integration/routing-strategies.test.ts" },
  "require.vision": { shownBy: "test/integration/routing-strategies.test.ts" },
  "require.json": { shownBy: "test/integration/routing-strategies.test.ts" },
  "require.context": { shownBy: "test/integration/routing-strategies.test.ts" },
  candidates: { shownBy: "test/integration/routing-strategies.test.ts" },
  metric: { shownBy: "test/integration/routing-strategies.test.ts" },
  window_s: { shownBy: "test/integration/routing-strategies.test.ts" },
  exploration_pct: { shownBy: "test/integration/routing-strategies.test.ts" },
  members: { shownBy: "test/integration/routing-composites.test.ts" },
  "members[].model": { shownBy: "test/integration/routing-composites.test.ts" },
  "members[].weight": { shownBy: "test/integration/routing-composites.test.ts" },
  aggregation: { shownBy: "test/integration/routing-composites.test.ts" },
  judge: { shownBy: "test/integration/routing-composites.test.ts" },
  timeout_ms: { shownBy: "test/integration/routing-composites.test.ts" },
  variants: { shownBy: "test/integration/routing-strategies.test.ts" },
  "variants[].name": { shownBy: "test/integration/routing-strategies.test.ts" },
  "variants[].weight": { shownBy: "test/integration/routing-strategies.test.ts" },
  "variants[].config": { shownBy: "test/integration/routing-strategies.test.ts" },
  "variants[].model": { shownBy: "test/integration/routing-strategies.test.ts" },
  sticky: { shownBy: "test/integration/routing-strategies.test.ts" },
  steps: { shownBy: "test/integration/routing-composites.test.ts" },
  "steps[].model": { shownBy: "test/integration/routing-composites.test.ts" },
  "steps[].accept": { shownBy: "test/integration/routing-composites.test.ts" },
  "steps[].accept.finish_reason": { shownBy: "test/unit/routing-acceptance.test.ts" },
  "steps[].accept.no_refusal": { shownBy: "test/unit/routing-acceptance.test.ts" },
  "steps[].accept.min_length": { shownBy: "test/unit/routing-acceptance.test.ts" },
  "steps[].accept.valid_json": { shownBy: "test/unit/routing-acceptance.test.ts" },
  "steps[].accept.tool_call": { shownBy: "test/unit/routing-acceptance.test.ts" },
  "steps[].accept.judge_score": { shownBy: "test/integration/routing-composites.test.ts" },
  "steps[].accept.judge_score.judge": { shownBy: "test/integration/routing-composites.test.ts" },
  "steps[].accept.judge_score.min": { shownBy: "test/integration/routing-composites.test.ts" },
  rules: { shownBy: "test/integration/routing-strategies.test.ts" },
  "rules[].if": { shownBy: "test/integration/routing-strategies.test.ts" },
  "rules[].then": { shownBy: "test/integration/routing-strategies.test.ts" },
  "rules[].else": { shownBy: "test/integration/routing-strategies.test.ts" },
  cache: {
    run: () =>
      differs(
        async () => (await chat("@single-a")).response.headers.get("x-modelux-cache"),
        async () => (await chat("@cached")).response.headers.get("x-modelux-cache"),
      ),
  },
  "cache.mode": { shownBy: "test/integration/response-cache.test.ts" },
  "cache.ttl_seconds": { shownBy: "test/integration/response-cache-options.test.ts" },
  "cache.similarity_threshold": {
    shownBy: "test/integration/response-cache.test.ts",
  },
  "cache.embedding_model": {
    shownBy: "test/integration/response-cache.test.ts",
  },
  "cache.allow_sampled": {
    shownBy: "test/integration/response-cache.test.ts",
  },
  "cache.allow_tool_calls": { shownBy: "test/integration/response-cache-options.test.ts" },
  embedding_dimensions: { shownBy: "test/integration/response-cache-options.test.ts" },
};

const HEADER_ROWS: Record<string, Row> = {
  "x-modelux-user-id": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.user,
        async () =>
          traceOf((await chat("@single-a", { headers: { "x-modelux-user-id": "u1" } })).response)
            ?.user,
      ),
  },
  "x-modelux-user-tags": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.tags,
        async () =>
          traceOf(
            (await chat("@single-a", { headers: { "x-modelux-user-tags": "team=ml" } })).response,
          )?.tags,
      ),
  },
  "x-modelux-trace-id": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.trace_id,
        async () =>
          traceOf((await chat("@single-a", { headers: { "x-modelux-trace-id": "t1" } })).response)
            ?.trace_id,
      ),
  },
  "x-modelux-conversation-id": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.conversation_id,
        async () =>
          traceOf(
            (await chat("@single-a", { headers: { "x-modelux-conversation-id": "c1" } })).response,
          )?.conversation_id,
      ),
  },
  "x-modelux-dry-run": {
    run: () =>
      differs(
        async () => (await chat("@single-a")).json.object,
        async () => (await chat("@single-a", { headers: dry })).json.object,
      ),
  },
  "x-modelux-provider-key": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.provider_key ?? null,
        async () =>
          traceOf(
            (
              await chat("@single-a", {
                headers: { "x-modelux-provider-key": "sk-own-key-0123456789abcdef" },
              })
            ).response,
          )?.provider_key ?? null,
      ),
  },
};

const BODY_ROWS: Record<string, Row> = {
  "mlx:tags": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.tags,
        async () =>
          traceOf((await chat("@single-a", { body: { "mlx:tags": { team: "ml" } } })).response)
            ?.tags,
      ),
  },
  "mlx:end_user": {
    run: () =>
      differs(
        async () => traceOf((await chat("@single-a")).response)?.user,
        async () =>
          traceOf((await chat("@single-a", { body: { "mlx:end_user": "u2" } })).response)?.user,
      ),
  },
  "mlx:trace": {
    run: () =>
      differs(
        async () => "mlx:trace" in (await chat("@single-a")).json,
        async () => "mlx:trace" in (await chat("@single-a", { body: { "mlx:trace": true } })).json,
      ),
  },
  "mlx:cache": {
    run: () =>
      differs(
        async () => (await chat("@cached")).response.headers.get("x-modelux-cache"),
        async () =>
          (await chat("@cached", { body: { "mlx:cache": { skip: true } } })).response.headers.get(
            "x-modelux-cache",
          ),
      ),
  },
};

describe("every accepted field changes something", () => {
  beforeAll(() => {
    harness = startGatewayHarness({
      routingConfigs: {
        "single-a": { strategy: "single", model: "openai/gpt-4o-mini" },
        "single-b": { strategy: "single", model: "anthropic/claude-sonnet-4-5" },
        "single-azure": { strategy: "single", model: "gpt-4o-mini", provider: "azure" },
        "fallback-a": {
          strategy: "fallback",
          attempts: [{ model: "openai/gpt-4o-mini" }, { model: "anthropic/claude-sonnet-4-5" }],
        },
        "fallback-b": {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-sonnet-4-5" }, { model: "openai/gpt-4o-mini" }],
        },
        cached: {
          strategy: "single",
          model: "openai/gpt-4o-mini",
          cache: { mode: "exact", ttl_seconds: 60 },
        },
      },
    });
  });
  afterAll(() => harness.stop());

  test("the tables cover the schema's keys, the headers read and the mlx: fields read, and nothing else", () => {
    // A target written as {model, provider} is the target's own row (docs/routing.md).
    const all = schemaKeys(routingConfigSchema as unknown as v.GenericSchema);
    const keys = new Set(
      [...all].filter((key) => {
        const parent = key.replace(/\.(model|provider)$/, "").replace(/\[\]$/, "");
        return parent === key || !TARGET_FIELDS.has(parent);
      }),
    );
    expect([...keys].filter((key) => !(key in CONFIG_ROWS)).sort()).toEqual([]);
    expect(
      Object.keys(CONFIG_ROWS)
        .filter((key) => !keys.has(key))
        .sort(),
    ).toEqual([]);
    const { headers, bodyFields } = sourceFields();
    expect([...headers].sort()).toEqual(Object.keys(HEADER_ROWS).sort());
    expect([...bodyFields].sort()).toEqual(Object.keys(BODY_ROWS).sort());
  });

  test("every `shownBy` names a test that exists", () => {
    for (const row of [
      ...Object.values(CONFIG_ROWS),
      ...Object.values(HEADER_ROWS),
      ...Object.values(BODY_ROWS),
    ]) {
      if (!("shownBy" in row)) continue;
      const text = readFileSync(join(ROOT, row.shownBy), "utf8");
      expect(`${row.shownBy}: ${/\btest\(/.test(text)}`).toBe(`${row.shownBy}: true`);
    }
  });

  // A `shownBy` file must at least name the field it demonstrates.
  for (const [group, rows] of [
    ["config", CONFIG_ROWS],
    ["header", HEADER_ROWS],
    ["body", BODY_ROWS],
  ] as const)
    for (const [field, row] of Object.entries(rows))
      if ("run" in row) test(`${group} ${field}: a request changes because of it`, () => row.run());
});
