// with_responses end to end on real Postgres: traffic with captured content served by a data
// plane through the simulator and stored in the Parquet warehouse, then experiments that re-send
// it through the control plane's replay plane. The simulator answers deterministically per model
// and conversation and embeds deterministically per text, so the same model gives the recorded
// answer (similarity 1) and another model a different one (similarity ≈ 0); its faults script
// some answers and the judge's verdicts. Checked: the similarity and judge figures those scripts
// imply, their Wilson intervals, the verdict and its webhooks, the spend cap, that replay adds
// no warehouse rows and no production budget spend, and the single-request re-send.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ExperimentRunner,
  startExperimentRunner,
} from "../../controlplane/experiments/runner.ts";
import {
  type CapturedWorld,
  PRODUCTION_SLUG,
  startCapturedWorld,
} from "../support/captured-traffic.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const CAPTURED = 12;
const SAME_MODEL = { strategy: "single", model: "gpt-4o-mini", provider: "openai" };
const OTHER_MODEL = { strategy: "single", model: "gpt-4.1-nano", provider: "openai" };
const JUDGE = "gpt-4.1-mini";

describe.skipIf(servicesAbsent)("with_responses experiments (Postgres, simulator)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let world: CapturedWorld;
  let runner: ExperimentRunner;
  let root: string;
  const served: Record<string, string> = {};
  const received: Json[] = [];
  let receiver: ReturnType<typeof Bun.serve>;
  let storedBefore: Set<string>;
  let spendBefore: number;

  const simulator = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.simulator.url}/_sim/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Json;
  };
  const calls = async (model: string) =>
    Number((await simulator("GET", "calls")).counts?.openai?.[model] ?? 0);

  async function run(overrides: Record<string, unknown>): Promise<Json> {
    const created = await harness.rest("POST", "/experiments", {
      body: {
        name: "re-send",
        project_id: harness.org.projectId,
        baseline_config: PRODUCTION_SLUG,
        candidate_config: SAME_MODEL,
        window_start: new Date(Date.now() - 3_600_000).toISOString(),
        window_end: new Date(Date.now() + 3_600_000).toISOString(),
        mode: "with_responses",
        spend_cap_usd: 1,
        ...overrides,
      },
    });
    expect(created.status).toBe(202);
    runner.wake();
    await runner.idle();
    return (await harness.rest("GET", `/experiments/${created.body.data.id}`)).body.data;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-with-responses-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      env: { MODELUX_MANAGEMENT_RPM: "10000" },
    });
    world = await startCapturedWorld(database.handle, harness, root);
    receiver = Bun.serve({
      port: 0,
      async fetch(request) {
        received.push(await request.json());
        return new Response("ok");
      },
    });
    await harness.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${receiver.port}/hook`, event_types: ["*"] },
    });

    // Captured, non-streamed answers: what with_responses re-sends.
    for (let index = 0; index < CAPTURED; index++) {
      const response = await world.chat({
        model: `@${PRODUCTION_SLUG}`,
        messages: [{ role: "user", content: `Question ${index}: tell me about topic ${index}.` }],
        max_tokens: 60,
        "mlx:tags": { team: "search" },
      });
      expect(response.status).toBe(200);
      served[response.headers.get("x-modelux-request-id") as string] = "captured";
      await response.json();
    }
    // A streamed answer is not captured; a request with tools cannot be rebuilt.
    const streamed = await world.chat({
      model: `@${PRODUCTION_SLUG}`,
      messages: [{ role: "user", content: "Stream me something." }],
      max_tokens: 40,
      stream: true,
    });
    await streamed.text();
    served[streamed.headers.get("x-modelux-request-id") as string] = "streamed";
    const withTools = await world.chat({
      model: `@${PRODUCTION_SLUG}`,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ],
    });
    await withTools.json();
    served[withTools.headers.get("x-modelux-request-id") as string] = "tools";

    const total = Object.keys(served).length;
    storedBefore = await waitUntil(
      async () => {
        const ids = await world.storedRequestIds();
        return ids.size === total ? ids : null;
      },
      { timeoutMs: 15_000, message: "the warehouse did not store the traffic" },
    );
    spendBefore = await waitUntil(
      async () => {
        const spend = await world.budgetSpend();
        return spend > 0 ? spend : null;
      },
      { timeoutMs: 10_000 },
    );
    runner = startExperimentRunner({
      db: database.handle.db,
      root,
      log: () => {},
      pollMs: 3_600_000,
      secretBox: testSecretBox,
    });
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await world?.stop();
    await harness?.stop();
    receiver?.stop(true);
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("the same model with three scripted answers: similarity, judge and their intervals", async () => {
    await simulator("DELETE", "calls");
    await simulator("POST", "faults", [
      {
        model: "gpt-4o-mini",
        status: 200,
        body: completion("gpt-4o-mini", "Nothing to add."),
        count: 3,
      },
      { model: JUDGE, status: 200, body: completion(JUDGE, verdict("worse")), count: 2 },
      { model: JUDGE, status: 200, body: completion(JUDGE, verdict("same")), count: 1 },
    ]);
    const experiment = await run({
      response_comparison: { judge: { model: JUDGE } },
      success_criteria: {
        min_sample_size: 10,
        predicates: [
          { metric: "similarity_pct_above_threshold", op: "gte", value: 70 },
          {
            metric: "similarity_pct_above_threshold",
            op: "gte",
            value: 70,
            params: { threshold: 0.5 },
          },
          { metric: "judge_worse_pct_upper_ci", op: "lte", value: 50 },
        ],
      },
    });
    await simulator("DELETE", "faults");
    expect(experiment).toMatchObject({ status: "completed", verdict: "pass", error: null });
    const responses = experiment.responses;
    expect(responses).toMatchObject({
      sample_size: 100,
      sampled: CAPTURED,
      sent: CAPTURED,
      stopped_by_spend_cap: false,
      candidate_errors: 0,
      coverage: { usable: CAPTURED, answer_not_captured: 1, tools_not_captured: 1 },
    });
    // Nine answers are the recorded ones (cosine 1, no call); three differ (≈ 0 in the simulator).
    const similarity = responses.similarity;
    expect(similarity).toMatchObject({ compared: CAPTURED, above_threshold: 9, threshold: 0.9 });
    expect(similarity.pct_above_threshold).toBeCloseTo(75, 6);
    expect(similarity.mean).toBeGreaterThan(0.7);
    expect(similarity.mean).toBeLessThan(0.8);
    expect(similarity.pct_above_threshold_ci95.low).toBeCloseTo(wilson(9, 12).low * 100, 3);
    expect(similarity.pct_above_threshold_ci95.high).toBeCloseTo(wilson(9, 12).high * 100, 3);
    expect(responses.least_similar).toHaveLength(3);
    // Identical answers are "same" without a call; the judge saw the three others.
    expect(responses.judge).toMatchObject({ judged: 12, worse: 2, same: 10, better: 0, failed: 0 });
    expect(responses.judge.worse_pct_ci95.high).toBeCloseTo(wilson(2, 12).high * 100, 3);
    expect(experiment.criteria.predicates.map((predicate: Json) => predicate.actual)).toEqual([
      75,
      75,
      responses.judge.worse_pct_ci95.high,
    ]);
    // Every call went through the gateway to the simulator and was charged to the cap.
    expect(await calls("gpt-4o-mini")).toBe(CAPTURED);
    expect(await calls("text-embedding-3-small")).toBe(3);
    expect(await calls(JUDGE)).toBe(3);
    expect(responses.spent_by.embeddings).toBeGreaterThan(0);
    expect(responses.spent_by.judge).toBeGreaterThan(0);
    expect(responses.spent_by.requests).toBeCloseTo(experiment.candidate_summary.cost_usd, 9);
    expect(responses.spent_usd).toBeCloseTo(
      responses.spent_by.requests + responses.spent_by.embeddings + responses.spent_by.judge,
      9,
    );
    expect(experiment.baseline_summary.requests).toBe(CAPTURED);
    expect(experiment.comparison.changed_requests).toBe(0);
    expect(experiment.response_comparison).toEqual({
      embedding_model: "text-embedding-3-small",
      similarity_threshold: 0.9,
      judge: { model: JUDGE, prompt: null },
    });
  }, 60_000);

  test("another model: nothing similar, a fail verdict and experiment.regression_detected", async () => {
    const experiment = await run({
      candidate_config: OTHER_MODEL,
      sample_size: 8,
      success_criteria: {
        predicates: [{ metric: "similarity_pct_above_threshold", op: "gte", value: 90 }],
      },
    });
    expect(experiment).toMatchObject({ status: "completed", verdict: "fail" });
    expect(experiment.responses).toMatchObject({ sampled: 8, sent: 8, judge: null });
    expect(experiment.responses.similarity.above_threshold).toBe(0);
    // The simulator's embeddings keep similarity (words and n-grams): two of its different answers
    // share filler words (~0.3), far under the 0.9 threshold that same answers reach.
    expect(Math.abs(experiment.responses.similarity.mean)).toBeLessThan(0.5);
    expect(experiment.candidate_summary.routes).toEqual([
      { model: "gpt-4.1-nano", provider: "openai", requests: 8, share: 1 },
    ]);
    expect(experiment.comparison.changed_requests).toBe(8);
    await waitUntil(() =>
      received.some(
        (event) =>
          event.type === "experiment.regression_detected" &&
          event.data.experiment.id === experiment.id,
      ),
    );
  }, 60_000);

  test("the spend cap stops sending: spent stays under it, fewer sent than sampled", async () => {
    await simulator("DELETE", "calls");
    // A request's bound is a few hundredths of a cent (60 output tokens at most): a handful fit.
    const experiment = await run({ candidate_config: OTHER_MODEL, spend_cap_usd: 0.00015 });
    expect(experiment.status).toBe("completed");
    const responses = experiment.responses;
    expect(responses.stopped_by_spend_cap).toBe(true);
    expect(responses.sent).toBeGreaterThan(0);
    expect(responses.sent).toBeLessThan(responses.sampled);
    expect(responses.spent_usd).toBeLessThanOrEqual(0.00015);
    expect(responses.spent_usd).toBeGreaterThan(0);
    expect(responses.message).toContain("stopped by the spend cap");
    expect(await calls("gpt-4.1-nano")).toBe(responses.sent);
    expect(experiment.baseline_summary.requests).toBe(responses.sent);

    const nothing = await run({ spend_cap_usd: 0.000001 });
    expect(nothing.responses).toMatchObject({ sent: 0, stopped_by_spend_cap: true, spent_usd: 0 });
    expect(nothing.responses.message).toContain("nothing was sent");
    expect(nothing.verdict).toBe("inconclusive");
  }, 60_000);

  test("replay traffic adds no warehouse rows and no production budget spend", async () => {
    await Bun.sleep(500);
    const stored = await world.storedRequestIds();
    expect([...stored].sort()).toEqual([...storedBefore].sort());
    expect(await world.budgetSpend()).toBeCloseTo(spendBefore, 12);
  }, 30_000);

  test("one logged request re-sent: both traces, the candidate's answer and their similarity", async () => {
    const id = Object.keys(served).find((key) => served[key] === "captured") as string;
    const other = await harness.rest("POST", `/logs/${id}/replay`, {
      key: harness.org.keys.developer,
      body: { routing_config: OTHER_MODEL, send: true },
    });
    expect(other.status).toBe(200);
    const sent = other.body.data.sent;
    expect(sent).toMatchObject({ status: 200, model: "gpt-4.1-nano", provider: "openai" });
    expect(sent.answer).not.toBe(sent.baseline_answer);
    expect(Math.abs(sent.similarity.value)).toBeLessThan(0.5);
    expect(sent.trace.replay).toEqual({ marker: `log:${id}`, source_request_id: id });
    expect(sent.trace.content).toBeUndefined();
    expect(sent.trace.decision.winner).toBe("gpt-4.1-nano");
    expect(other.body.data.baseline.trace.decision.winner).toBe("gpt-4o-mini");
    expect(other.body.data.candidate.decision.winner).toBe("gpt-4.1-nano");

    const same = await harness.rest("POST", `/logs/${id}/replay`, {
      body: { routing_config: PRODUCTION_SLUG, send: true },
    });
    expect(same.body.data.sent.answer).toBe(same.body.data.sent.baseline_answer);
    expect(same.body.data.sent.similarity.value).toBe(1);

    // A streamed request has no captured answer: it is re-sent, but there is nothing to compare.
    const streamedId = Object.keys(served).find((key) => served[key] === "streamed") as string;
    const streamed = await harness.rest("POST", `/logs/${streamedId}/replay`, {
      body: { routing_config: OTHER_MODEL, send: true },
    });
    expect(streamed.body.data.sent).toMatchObject({ status: 200, similarity: null });
    const toolsId = Object.keys(served).find((key) => served[key] === "tools") as string;
    const tools = await harness.rest("POST", `/logs/${toolsId}/replay`, {
      body: { routing_config: OTHER_MODEL, send: true },
    });
    expect(tools.status).toBe(422);
    const capped = await harness.rest("POST", `/logs/${id}/replay`, {
      body: { routing_config: OTHER_MODEL, send: true, spend_cap_usd: 1e-9 },
    });
    expect(capped.status).toBe(422);
    // Without send nothing is re-sent.
    const decided = await harness.rest("POST", `/logs/${id}/replay`, {
      body: { routing_config: OTHER_MODEL },
    });
    expect(decided.body.data.sent).toBeNull();
  }, 30_000);

  test("MCP tools carry the new options", async () => {
    const client = await harness.mcp();
    const { tools } = await client.listTools();
    const create = tools.find((tool) => tool.name === "create_experiment");
    const replay = tools.find((tool) => tool.name === "replay_log");
    expect(JSON.stringify(create?.inputSchema)).toContain("response_comparison");
    expect(JSON.stringify(replay?.inputSchema)).toContain('"send"');
    const listed = await client.callTool({ name: "list_experiments", arguments: {} });
    expect(toolResult(listed).body.data.some((entry: Json) => entry.responses !== null)).toBe(true);
  }, 30_000);
});

function completion(model: string, content: string) {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 },
  };
}

const verdict = (value: string) => JSON.stringify({ verdict: value, reason: "scripted" });

/** The 95% Wilson score interval, written out independently of the code under test. */
function wilson(successes: number, trials: number): { low: number; high: number } {
  const z = 1.959964;
  const p = successes / trials;
  const center = (p + (z * z) / (2 * trials)) / (1 + (z * z) / trials);
  const half =
    (z / (1 + (z * z) / trials)) *
    Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  return { low: center - half, high: center + half };
}
