// The metrics drain reuses a request's labels and series keys for the next request when every
// input of them is the same (dataplane/telemetry/request-metrics.ts). Recording a mixed batch at
// once must export exactly what recording each request alone (nothing reused) exports. (Every
// org here names its providers alike: the attempts counter's batch key has no org, so within a
// batch an attempt of a provider one org has and another lacks takes the first one's labels, a
// quirk older than the reuse, reported on its own.)
import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";
import { ModelLabels } from "../../dataplane/telemetry/metric-labels.ts";
import { type ObservedRequest, RequestMetrics } from "../../dataplane/telemetry/request-metrics.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";

const config = {
  providersByName: new Map([
    ["org_a/openai", { vendor: "openai" }],
    ["org_a/anthropic", { vendor: "anthropic" }],
    ["org_b/openai", { vendor: "openai" }],
  ]),
  routingConfigs: new Map([
    ["prj_a/bench", {}],
    ["prj_b/bench", {}],
  ]),
} as unknown as RuntimeConfig;

function trace(overrides: Partial<DecisionTrace>, served: [string, string] | null): DecisionTrace {
  const usage = {
    inputTokens: 13,
    outputTokens: 20,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
  return {
    request_id: "r",
    org_id: "org_a",
    project_id: "prj_a",
    surface: "openai",
    requested_model: "@bench",
    config: { slug: "bench", version: 1 },
    status: 200,
    latency_ms: 20,
    ttft_ms: null,
    stream: false,
    overhead_ms: 0.08,
    usage,
    cost_usd: 0.00001,
    attempts: served
      ? [{ provider: served[0], model: served[1], started_ms: 0, latency_ms: 15, status: 200 }]
      : [],
    budgets: [],
    cache: "off",
    decision: { winner: served?.[1] ?? null, provider: served?.[0] ?? null, reason: "" },
    ...overrides,
  } as DecisionTrace;
}

const OPENAI: [string, string] = ["openai", "gpt-4o-mini"];
const CLAUDE: [string, string] = ["anthropic", "claude-haiku-4-5"];

test("a mixed batch exports what its requests recorded one at a time export", async () => {
  const variants: ObservedRequest[] = [
    { trace: trace({}, OPENAI), operation: "chat" },
    { trace: trace({}, OPENAI), operation: "chat" },
    { trace: trace({}, CLAUDE), operation: "chat" },
    { trace: trace({ status: 502, usage: null, cost_usd: null }, null), operation: "chat" },
    { trace: trace({ status: 429 }, OPENAI), operation: "chat" },
    { trace: trace({ surface: "anthropic" }, OPENAI), operation: "chat" },
    { trace: trace({}, OPENAI), operation: "embeddings" },
    { trace: trace({ config: null, requested_model: "gpt-4o-mini" }, OPENAI), operation: "chat" },
    { trace: trace({ config: null, requested_model: "@bench" }, OPENAI), operation: "chat" },
    { trace: trace({ config: null, requested_model: "@missing" }, OPENAI), operation: "chat" },
    { trace: trace({ project_id: "prj_b", config: null }, OPENAI), operation: "chat" },
    { trace: trace({ org_id: "org_b" }, OPENAI), operation: "chat" },
    // A provider name org_b does not have: its attempt is `other`, org_a's stays `anthropic`.
    { trace: trace({ org_id: "org_b" }, CLAUDE), operation: "chat" },
    { trace: trace({ stream: true, ttft_ms: 3 }, OPENAI), operation: "chat" },
  ];
  // Runs of the same request and alternations, so reuse and every kind of change both happen.
  let seed = 7;
  // Every variant at least once, whatever the draws.
  const batch: ObservedRequest[] = [...variants];
  for (let index = 0; index < 300; index++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const pick = variants[seed % variants.length] as ObservedRequest;
    const run = 1 + (seed % 3);
    for (let repeat = 0; repeat < run; repeat++) batch.push(pick);
  }
  const together = new Registry();
  new RequestMetrics(together, new ModelLabels()).record(batch, config);
  const alone = new Registry();
  const one = new RequestMetrics(alone, new ModelLabels());
  for (const observed of batch) one.record([observed], config);
  const text = await together.metrics();
  expect(text).toBe(await alone.metrics());
  // The batch did reach distinct series (the comparison is not of two empty exports).
  expect(text).toContain('status_class="5xx"');
  expect(text).toContain('route="unknown"');
  expect(text).toContain('model="claude-haiku-4-5"');
  expect(text).toContain('operation="embeddings"');
});
