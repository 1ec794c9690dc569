// ab_test, cascade and ensemble through the HTTP surfaces against the simulator: A/B splits
// follow their weights and stay sticky; a cascade escalates exactly when its acceptance check
// fails; an ensemble aggregates its members within its time bound. Streaming semantics of the
// composed strategies included.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type GatewayHarness, startGatewayHarness } from "../support/gateway-harness.ts";
import { anthropicAnswer, openAiAnswer, routingClient } from "../support/routing-client.ts";

const CLAUDE = "anthropic/claude-sonnet-4-5";
const MINI = "openai/gpt-4o-mini";
const LLAMA = "groq/llama-3.3-70b-versatile";
const JUDGE = "groq/llama-3.1-8b-instant";

describe("composed strategies through the surfaces", () => {
  let harness: GatewayHarness;
  let client: ReturnType<typeof routingClient>;
  beforeAll(() => {
    harness = startGatewayHarness({
      routingConfigs: {
        split: {
          strategy: "ab_test",
          variants: [
            { name: "control", weight: 80, model: MINI },
            { name: "treatment", weight: 20, model: CLAUDE },
          ],
          sticky: "request",
        },
        "split-user": {
          strategy: "ab_test",
          variants: [
            { name: "a", weight: 1, model: MINI },
            { name: "b", weight: 1, config: "@backup" },
          ],
          sticky: "user",
        },
        backup: { strategy: "fallback", attempts: [{ model: CLAUDE }, { model: LLAMA }] },
        escalate: {
          strategy: "cascade",
          steps: [{ model: MINI, accept: { no_refusal: true, min_length: 20 } }, { model: CLAUDE }],
        },
        "escalate-json": {
          strategy: "cascade",
          steps: [{ model: MINI, accept: { valid_json: true } }, { model: CLAUDE }],
        },
        graded: {
          strategy: "cascade",
          steps: [
            { model: MINI, accept: { judge_score: { judge: JUDGE, min: 0.7 } } },
            { model: CLAUDE },
          ],
        },
        judged: {
          strategy: "ensemble",
          members: [
            { model: MINI, weight: 1 },
            { model: CLAUDE, weight: 1 },
          ],
          aggregation: "llm_judge",
          judge: JUDGE,
          timeout_ms: 2_000,
        },
        vote: {
          strategy: "ensemble",
          members: [
            { model: MINI, weight: 1 },
            { model: CLAUDE, weight: 1 },
            { model: LLAMA, weight: 1 },
          ],
          aggregation: "weighted_vote",
          timeout_ms: 2_000,
        },
        average: {
          strategy: "ensemble",
          members: [
            { model: MINI, weight: 1 },
            { model: CLAUDE, weight: 3 },
          ],
          aggregation: "weighted_average",
          timeout_ms: 2_000,
        },
        first: {
          strategy: "ensemble",
          members: [
            { model: MINI, weight: 1 },
            { model: CLAUDE, weight: 1 },
          ],
          aggregation: "first_valid",
          // Beyond the test's own timeout: waiting for every member would hang the test.
          timeout_ms: 600_000,
        },
        bounded: {
          strategy: "ensemble",
          members: [
            { model: MINI, weight: 1 },
            { model: CLAUDE, weight: 1 },
            { model: LLAMA, weight: 1 },
          ],
          aggregation: "weighted_vote",
          timeout_ms: 300,
        },
      },
    });
    client = routingClient(harness);
  });
  afterAll(() => harness.stop());
  beforeEach(() => client.reset());

  describe("ab_test", () => {
    test("an 80/20 split holds within statistical tolerance over 3,000 requests", async () => {
      const counts: Record<string, number> = {};
      const total = 3_000;
      for (let batch = 0; batch < total / 50; batch++) {
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            client.openai("@split", {}, { "x-modelux-dry-run": "true" }),
          ),
        );
        for (const result of results) {
          const variant = result.headers.get("x-modelux-ab-variant") ?? "none";
          counts[variant] = (counts[variant] ?? 0) + 1;
        }
      }
      // Binomial(3000, 0.2): sd ≈ 21.9; four sd either side.
      const treatment = counts.treatment ?? 0;
      console.log(`ab_test 80/20 over ${total} requests: ${JSON.stringify(counts)}`);
      expect(Object.keys(counts).sort()).toEqual(["control", "treatment"]);
      expect(Math.abs(treatment - 600)).toBeLessThan(88);
    });

    test("served requests carry the variant in the header and the trace", async () => {
      for (let index = 0; index < 10; index++) {
        const result = await client.openai("@split");
        expect(result.status).toBe(200);
        const variant = result.headers.get("x-modelux-ab-variant");
        expect(variant === "control" || variant === "treatment").toBe(true);
        const served = result.headers.get("x-modelux-model-used");
        expect(served).toBe(variant === "control" ? "gpt-4o-mini" : "claude-sonnet-4-5");
        expect(client.traceOf(result).ab_variant).toBe(variant);
      }
    });

    test("sticky by user: each user keeps one variant, and users spread over both", async () => {
      const seen = new Map<string, Set<string>>();
      for (let user = 0; user < 40; user++) {
        for (let repeat = 0; repeat < 5; repeat++) {
          const headers: Record<string, string> =
            repeat % 2 === 0
              ? { "x-modelux-dry-run": "true", "x-modelux-user-id": `user-${user}` }
              : { "x-modelux-dry-run": "true" };
          const body = repeat % 2 === 0 ? {} : { "mlx:end_user": `user-${user}` };
          const result = await client.openai("@split-user", body, headers);
          const variants = seen.get(`user-${user}`) ?? new Set();
          variants.add(result.headers.get("x-modelux-ab-variant") ?? "none");
          seen.set(`user-${user}`, variants);
        }
      }
      for (const variants of seen.values()) expect(variants.size).toBe(1);
      const perVariant = [...seen.values()].map((variants) => [...variants][0]);
      expect(perVariant.filter((variant) => variant === "a").length).toBeGreaterThan(8);
      expect(perVariant.filter((variant) => variant === "b").length).toBeGreaterThan(8);
    });

    test("a variant naming a config runs that config's strategy", async () => {
      let user = 0;
      let result = await client.openai("@split-user", {}, { "x-modelux-user-id": "u0" });
      while (result.headers.get("x-modelux-ab-variant") !== "b") {
        user++;
        result = await client.openai("@split-user", {}, { "x-modelux-user-id": `u${user}` });
      }
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      const trace = client.traceOf(result);
      expect(trace.ab_variant).toBe("b");
      expect(trace.candidates.find((candidate) => candidate.status === "chosen")?.via).toEqual([
        "@split-user",
        "@backup",
      ]);
    });
  });

  describe("cascade", () => {
    test("the first step's answer is accepted: one call, no escalation", async () => {
      const result = await client.openai("@escalate");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      const trace = client.traceOf(result);
      expect(trace.attempts).toHaveLength(1);
      expect(trace.attempts[0]).toMatchObject({ role: "cascade step 1", accepted: true });
      const calls = await client.calls();
      expect(calls.anthropic?.["claude-sonnet-4-5"] ?? 0).toBe(0);
    });

    test("a refusal fails the check and escalates to the next step", async () => {
      await client.fault({
        model: "gpt-4o-mini",
        status: 200,
        body: openAiAnswer("I'm sorry, but I can't help with that."),
      });
      const result = await client.openai("@escalate");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      const trace = client.traceOf(result);
      expect(trace.attempts.map((attempt) => [attempt.role, attempt.accepted])).toEqual([
        ["cascade step 1", false],
        ["cascade step 2", true],
      ]);
      expect(trace.attempts[0]?.acceptance).toMatch(/refus/i);
      expect(trace.candidates[0]?.status).toBe("failed");
      // The client pays for both steps: usage and cost are the totals.
      const usage = result.body.usage as { completion_tokens: number };
      const stepUsage = trace.attempts.reduce(
        (sum, attempt) => sum + (attempt.usage?.outputTokens ?? 0),
        0,
      );
      expect(usage.completion_tokens).toBe(stepUsage);
      expect(trace.cost_usd).toBeCloseTo(
        trace.attempts.reduce((sum, attempt) => sum + (attempt.cost_usd ?? 0), 0),
        12,
      );
    });

    test("escalates exactly when the check fails, over a mixed run", async () => {
      const expected: boolean[] = [];
      for (let index = 0; index < 8; index++) {
        const short = index % 3 === 0;
        expected.push(short);
        if (short)
          await client.fault({ model: "gpt-4o-mini", status: 200, body: openAiAnswer("Ok.") });
        const result = await client.openai("@escalate", {
          messages: [{ role: "user", content: `question ${index}` }],
        });
        expect(result.status).toBe(200);
        const escalated = result.headers.get("x-modelux-model-used") === "claude-sonnet-4-5";
        expect(escalated).toBe(short);
        if (short)
          expect(client.traceOf(result).attempts[0]?.acceptance).toContain("fewer than 20");
      }
      expect(expected.filter(Boolean)).toHaveLength(3);
    });

    test("valid_json: an answer that is not JSON escalates; one that is, does not", async () => {
      await client.fault({
        model: "gpt-4o-mini",
        status: 200,
        body: openAiAnswer("not json at all"),
      });
      const escalated = await client.openai("@escalate-json");
      expect(escalated.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      await client.fault({
        model: "gpt-4o-mini",
        status: 200,
        body: openAiAnswer('```json\n{"ok": true}\n```'),
      });
      const kept = await client.openai("@escalate-json");
      expect(kept.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
    });

    test("judge_score: a low score escalates, a high one keeps the cheap answer", async () => {
      await client.fault({
        model: "llama-3.1-8b-instant",
        status: 200,
        body: openAiAnswer('{"score": 0.2}'),
      });
      const low = await client.openai("@graded");
      expect(low.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      const lowTrace = client.traceOf(low);
      expect(lowTrace.attempts.map((attempt) => attempt.role)).toEqual([
        "cascade step 1",
        "judge of cascade step 1",
        "cascade step 2",
      ]);
      expect(lowTrace.attempts[0]?.accepted).toBe(false);
      await client.fault({
        model: "llama-3.1-8b-instant",
        status: 200,
        body: openAiAnswer('{"score": 0.9}'),
      });
      const high = await client.openai("@graded");
      expect(high.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      expect(client.traceOf(high).attempts[0]?.accepted).toBe(true);
    });

    test("a failing step escalates like a rejected one", async () => {
      await client.fault({ model: "gpt-4o-mini", status: 503, count: 1 });
      const result = await client.openai("@escalate");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      expect(client.traceOf(result).decision.reason).toContain("step 1 failed");
    });

    test("streaming: the accepted answer is streamed once decided, in the caller's shape", async () => {
      await client.fault({
        model: "gpt-4o-mini",
        status: 200,
        body: openAiAnswer("I cannot assist with that request."),
      });
      const result = await client.anthropic("@escalate", { stream: true });
      expect(result.status).toBe(200);
      expect(result.headers.get("content-type")).toContain("text/event-stream");
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      expect(result.text).toContain("event: message_start");
      expect(result.text).toContain("event: content_block_delta");
      expect(result.text).toContain("event: message_stop");
      expect(result.text).not.toContain("I cannot assist");
    });
  });

  describe("ensemble", () => {
    test("weighted_vote: the answer two members agree on wins", async () => {
      await client.fault([
        { model: "gpt-4o-mini", status: 200, body: openAiAnswer("Paris.") },
        { model: "llama-3.3-70b-versatile", status: 200, body: openAiAnswer("paris") },
        { model: "claude-sonnet-4-5", status: 200, body: anthropicAnswer("Lyon") },
      ]);
      const result = await client.openai("@vote");
      expect(result.status).toBe(200);
      const choices = result.body.choices as Array<{ message: { content: string } }>;
      expect(choices[0]?.message.content.toLowerCase()).toContain("paris");
      const trace = client.traceOf(result);
      expect(trace.attempts).toHaveLength(3);
      expect(trace.decision.reason).toMatch(/vote/i);
      // Every member was paid for: usage is the sum.
      expect((result.body.usage as { completion_tokens: number }).completion_tokens).toBe(24);
    });

    test("weighted_average of numeric answers", async () => {
      await client.fault([
        { model: "gpt-4o-mini", status: 200, body: openAiAnswer("40") },
        { model: "claude-sonnet-4-5", status: 200, body: anthropicAnswer("44") },
      ]);
      const result = await client.anthropic("@average");
      expect(result.status).toBe(200);
      const content = result.body.content as Array<{ text: string }>;
      expect(Number(content[0]?.text)).toBe(43);
    });

    test("llm_judge: the judge's pick is the answer", async () => {
      await client.fault({
        model: "llama-3.1-8b-instant",
        status: 200,
        body: openAiAnswer('{"best": 2}'),
      });
      const result = await client.openai("@judged");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      const trace = client.traceOf(result);
      expect(trace.decision.reason).toContain("judge chose member 2");
      expect(trace.attempts.map((attempt) => attempt.role).sort()).toEqual([
        "ensemble judge",
        "ensemble member 1",
        "ensemble member 2",
      ]);
    });

    test("first_valid answers with the first valid member", async () => {
      // The other member never answers within the test: only answering at the first valid
      // member's answer ends the request (no wall-clock bound needed).
      await client.fault({ model: "claude-sonnet-4-5", stall_ms: 600_000, count: 1 });
      const result = await client.openai("@first");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
    });

    test("bounded by timeout_ms: a slow member is left out, the rest still decide", async () => {
      await client.fault([
        // Never answers within the test: only the ensemble's timeout_ms can end the request.
        { model: "llama-3.3-70b-versatile", stall_ms: 600_000, count: 1 },
        { model: "gpt-4o-mini", status: 200, body: openAiAnswer("Yes") },
        { model: "claude-sonnet-4-5", status: 200, body: anthropicAnswer("yes") },
      ]);
      const result = await client.openai("@bounded");
      expect(result.status).toBe(200);
      const trace = client.traceOf(result);
      expect(trace.decision.reason).toContain("gave no answer");
    });

    test("streaming: the aggregated answer comes as a stream", async () => {
      const result = await client.openai("@vote", { stream: true });
      expect(result.status).toBe(200);
      expect(result.text).toContain("chat.completion.chunk");
      expect(result.text).toContain("data: [DONE]");
    });

    test("every member failing is a 502 in the caller's shape", async () => {
      await client.fault({ model: "*", status: 500, count: null });
      const result = await client.anthropic("@vote");
      expect(result.status).toBe(502);
      expect(result.body.type).toBe("error");
    });
  });
});
