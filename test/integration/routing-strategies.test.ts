// Routing through the HTTP surfaces against the simulator: for fallback, cost_optimized,
// latency_optimized and custom_rules, the model chosen, the fallbacks taken and the decision
// trace that explains them; model addressing; dry runs; the trace in the body.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { HealthTracker } from "../../dataplane/routing/health.ts";
import { type GatewayHarness, startGatewayHarness } from "../support/gateway-harness.ts";
import { routingClient } from "../support/routing-client.ts";

const CLAUDE = "anthropic/claude-sonnet-4-5";

/** A custom_rules rule as the config writes it; `then` is the config's key (DESIGN §6). */
function when(condition: string, target: string) {
  // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
  return { if: condition, then: target };
}
const MINI = "openai/gpt-4o-mini";

describe("routing strategies through the surfaces", () => {
  let harness: GatewayHarness;
  let client: ReturnType<typeof routingClient>;
  let draws: number[] = [];
  beforeAll(() => {
    harness = startGatewayHarness({
      // Latency exploration draws from here; tests push the draws they need, 0.99 otherwise.
      random: () => draws.shift() ?? 0.99,
      health: new HealthTracker({ cooldownMs: 60_000 }),
      routingConfigs: {
        chain: {
          strategy: "fallback",
          attempts: [{ model: CLAUDE }, { model: MINI }],
        },
        "chain-timeout": {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-haiku-4-5", timeout_ms: 150 }, { model: MINI }],
        },
        "chain-no-timeout-retry": {
          strategy: "fallback",
          attempts: [
            { model: "anthropic/claude-3-5-haiku-latest", timeout_ms: 150 },
            { model: MINI },
          ],
          retry_on: ["5xx"],
        },
        "chain-breaker": {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-opus-4-1" }, { model: MINI }],
        },
        "chain-nested": {
          strategy: "fallback",
          attempts: [{ config: "@chain" }, { model: "groq/llama-3.3-70b-versatile" }],
        },
        "only-claude": { strategy: "single", model: "anthropic/claude-3-7-sonnet-latest" },
        "limited-chain": {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-3-7-sonnet-latest" }, { model: MINI }],
        },
        cheap: {
          strategy: "cost_optimized",
          quality_tier: "low",
          allowed_models: ["openai/gpt-4o", CLAUDE, MINI],
        },
        "cheap-high": {
          strategy: "cost_optimized",
          quality_tier: "high",
          allowed_models: ["openai/gpt-4o", CLAUDE, MINI],
        },
        fast: {
          strategy: "latency_optimized",
          candidates: ["openai/gpt-4.1-mini", "groq/llama-3.1-8b-instant"],
          metric: "p50",
          window_s: 300,
          exploration_pct: 10,
        },
        rules: {
          strategy: "custom_rules",
          rules: [
            when('has(tags.team) && tags.team == "research"', CLAUDE),
            when("request.has_tools", "@chain"),
            { else: MINI },
          ],
        },
      },
    });
    client = routingClient(harness);
  });
  afterAll(() => harness.stop());
  beforeEach(() => client.reset());

  describe("fallback", () => {
    test("a 503 from the primary falls back to the next attempt, and the trace says so", async () => {
      await client.fault({ model: "claude-sonnet-4-5", status: 503, count: 1 });
      const result = await client.openai("@chain");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      expect(result.headers.get("x-modelux-config")).toMatch(/^chain@\d+$/);
      const trace = client.traceOf(result);
      expect(trace.strategy).toBe("fallback");
      expect(trace.resolved).toBe("config");
      expect(trace.attempts.map((attempt) => [attempt.model, attempt.status])).toEqual([
        ["claude-sonnet-4-5", 503],
        ["gpt-4o-mini", 200],
      ]);
      expect(trace.candidates.map((candidate) => candidate.status)).toEqual(["failed", "chosen"]);
      expect(trace.candidates[0]?.reason).toContain("HTTP 503");
      expect(trace.decision.winner).toBe("gpt-4o-mini");
      expect(trace.usage?.outputTokens).toBeGreaterThan(0);
      expect(trace.cost_usd).toBeGreaterThan(0);
    });

    test("the Anthropic surface falls back the same way", async () => {
      await client.fault({ model: "claude-sonnet-4-5", status: 529, count: 1 });
      const result = await client.anthropic("@chain");
      expect(result.status).toBe(200);
      expect(result.body.type).toBe("message");
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
    });

    test("no fault: the primary serves and the fallback is recorded as unused", async () => {
      const result = await client.openai("@chain");
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      const trace = client.traceOf(result);
      expect(trace.candidates.map((candidate) => candidate.status)).toEqual(["chosen", "unused"]);
      expect(trace.attempts).toHaveLength(1);
    });

    test("a per-attempt timeout moves on and is traced as a timeout", async () => {
      // Never answers within the test: only the attempt's timeout_ms can move the request on.
      await client.fault({ model: "claude-haiku-4-5", stall_ms: 600_000, count: 1 });
      const result = await client.openai("@chain-timeout");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      const trace = client.traceOf(result);
      expect(trace.attempts[0]?.status).toBe("timeout");
      expect(trace.candidates[0]?.reason).toMatch(/timeout after \d+ ms/);
    });

    test("retry_on without timeout: a timed-out primary ends the request with a 504", async () => {
      await client.fault({ model: "claude-3-5-haiku-latest", stall_ms: 1_500, count: 1 });
      const result = await client.openai("@chain-no-timeout-retry");
      expect(result.status).toBe(504);
      expect((result.body.error as { type: string }).type).toBeDefined();
      const calls = await client.calls();
      expect(calls.openai?.["gpt-4o-mini"] ?? 0).toBe(0);
    });

    test("an open circuit is skipped: after five failures the primary is not called", async () => {
      await client.fault({ model: "claude-opus-4-1", status: 500, count: 5 });
      for (let index = 0; index < 5; index++) {
        const result = await client.openai("@chain-breaker");
        expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      }
      await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
      const result = await client.openai("@chain-breaker");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      const trace = client.traceOf(result);
      expect(trace.candidates[0]).toMatchObject({ status: "skipped", reason: "circuit open" });
      expect(trace.attempts).toHaveLength(1);
      expect((await client.calls()).anthropic?.["claude-opus-4-1"] ?? 0).toBe(0);
    });

    test("retry-after is honoured: the 429 goes back with it, and the model is skipped until then", async () => {
      await client.fault({ model: "claude-3-7-sonnet-latest", status: 429, count: 1 });
      const limited = await client.openai("@only-claude");
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      const trace = client.traceOf(limited);
      expect(trace.attempts[0]).toMatchObject({ status: 429, retry_after_s: 1 });
      // Within the second it asked for, a chain skips it without calling it.
      const skipped = await client.openai("@limited-chain");
      expect(skipped.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      expect(client.traceOf(skipped).candidates[0]).toMatchObject({
        status: "skipped",
        reason: "rate limited: retry-after 1 s left",
      });
      expect((await client.calls()).anthropic?.["claude-3-7-sonnet-latest"]).toBe(1);
    });

    test("a nested config expands in place, its trace candidates say through which config", async () => {
      await client.fault({ model: "claude-sonnet-4-5", status: 503, count: 1 });
      await client.fault({ model: "gpt-4o-mini", status: 502, count: 1 });
      const result = await client.openai("@chain-nested");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("llama-3.3-70b-versatile");
      const trace = client.traceOf(result);
      expect(trace.attempts.map((attempt) => attempt.status)).toEqual([503, 502, 200]);
      expect(trace.candidates[0]?.via).toEqual(["@chain-nested", "@chain"]);
    });

    test("a stream that fails before its first byte falls back", async () => {
      await client.fault({ model: "claude-sonnet-4-5", cut_after_chunks: 0, count: 1 });
      const result = await client.openai("@chain", { stream: true });
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      expect(result.text).toContain("data: [DONE]");
    });
  });

  describe("cost_optimized", () => {
    test("tier low: the cheapest allowed model serves; pricier ones follow as fallbacks", async () => {
      const result = await client.openai("@cheap");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      const trace = client.traceOf(result);
      const chosen = trace.candidates.find((candidate) => candidate.status === "chosen");
      expect(chosen?.reason).toContain("cheapest eligible");
      const costs = trace.candidates.map((candidate) => candidate.estimated_cost_usd ?? 0);
      expect(costs.every((cost) => cost > 0)).toBe(true);
      expect(Math.min(...costs)).toBe(chosen?.estimated_cost_usd ?? -1);
    });

    test("tier high excludes the small model and picks the cheapest high-tier one", async () => {
      const result = await client.openai("@cheap-high");
      expect(result.status).toBe(200);
      const trace = client.traceOf(result);
      const mini = trace.candidates.find((candidate) => candidate.model === "gpt-4o-mini");
      expect(mini?.status).toBe("excluded");
      expect(mini?.reason).toContain("quality tier");
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o");
    });

    test("the cheapest falls back to the next cheapest when it fails", async () => {
      await client.fault({ model: "gpt-4o-mini", status: 500, count: 1 });
      const result = await client.openai("@cheap");
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o");
    });
  });

  describe("latency_optimized", () => {
    test("unmeasured candidates are measured first, then the faster one serves", async () => {
      // gpt-4.1-mini is slow for its first answer.
      await client.fault({ model: "gpt-4.1-mini", stall_ms: 120, count: 1 });
      const first = await client.openai("@fast");
      const second = await client.openai("@fast");
      const served = [first, second].map((result) => result.headers.get("x-modelux-model-used"));
      expect(served.sort()).toEqual(["gpt-4.1-mini", "llama-3.1-8b-instant"]);
      const third = await client.openai("@fast");
      expect(third.headers.get("x-modelux-model-used")).toBe("llama-3.1-8b-instant");
      const trace = client.traceOf(third);
      expect(trace.decision.reason).toContain("lowest p50");
      const chosen = trace.candidates.find((candidate) => candidate.status === "chosen");
      expect(chosen?.reason).toMatch(/lowest p50: [\d.]+ ms/);
      expect(chosen?.latency_ms).toBeGreaterThanOrEqual(0);
    });

    test("exploration puts another candidate first for a share of requests", async () => {
      // The first draw decides exploration (0 < 10%), the second picks the candidate.
      draws = [0, 0.99];
      const explored = await client.openai("@fast");
      expect(explored.headers.get("x-modelux-model-used")).toBe("gpt-4.1-mini");
      expect(client.traceOf(explored).decision.reason).toContain("exploring");
    });
  });

  describe("custom_rules", () => {
    test("a tag routes to its rule's target; the trace names the rule", async () => {
      const result = await client.openai("@rules", { "mlx:tags": { team: "research" } });
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
      expect(client.traceOf(result).decision.reason).toContain(
        'rule 1 matched: has(tags.team) && tags.team == "research"',
      );
    });

    test("tags from the X-Modelux-User-Tags header count too", async () => {
      const result = await client.openai("@rules", {}, { "x-modelux-user-tags": "team=research" });
      expect(result.headers.get("x-modelux-model-used")).toBe("claude-sonnet-4-5");
    });

    test("request features: a request with tools goes to the nested config", async () => {
      const result = await client.openai("@rules", {
        tools: [
          {
            type: "function",
            function: { name: "lookup", parameters: { type: "object", properties: {} } },
          },
        ],
      });
      expect(result.status).toBe(200);
      const trace = client.traceOf(result);
      expect(trace.decision.reason).toContain("rule 2 matched");
      expect(trace.candidates.find((candidate) => candidate.status === "chosen")?.via).toEqual([
        "@rules",
        "@chain",
      ]);
    });

    test("else when nothing matches, with the rules that did not match in the trace", async () => {
      const result = await client.openai("@rules");
      expect(result.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
      const trace = client.traceOf(result);
      expect(trace.decision.reason).toBe("no rule matched; else");
      expect(trace.candidates.filter((candidate) => candidate.status === "unused")).toHaveLength(2);
    });
  });

  describe("addressing", () => {
    test("provider/model and bare names resolve directly", async () => {
      const direct = await client.openai("anthropic/claude-sonnet-4-5");
      expect(direct.headers.get("x-modelux-provider-used")).toBe("anthropic");
      expect(client.traceOf(direct).resolved).toBe("direct");
      const bare = await client.openai("gemini-2.5-flash");
      expect(bare.status).toBe(200);
      expect(bare.headers.get("x-modelux-provider-used")).toBe("google");
      expect(client.traceOf(bare).resolved).toBe("auto");
    });

    test("an unknown bare model is a 400 listing the known prefixes, in each caller's shape", async () => {
      const openai = await client.openai("frobnicate-9");
      expect(openai.status).toBe(400);
      const error = openai.body.error as { message: string; param: string };
      expect(error.message).toContain("gpt-*");
      expect(error.message).toContain("claude-*");
      expect(error.param).toBe("model");
      const anthropic = await client.anthropic("frobnicate-9");
      expect(anthropic.status).toBe(400);
      expect(anthropic.body.type).toBe("error");
    });

    test("an unknown config is a 404 in each caller's shape", async () => {
      const openai = await client.openai("@nope");
      expect(openai.status).toBe(404);
      expect((openai.body.error as { message: string }).message).toContain('"@nope"');
      const anthropic = await client.anthropic("@nope");
      expect(anthropic.status).toBe(404);
      expect((anthropic.body.error as { type: string }).type).toBe("not_found_error");
    });
  });

  describe("dry run and the trace in the body", () => {
    test("X-Modelux-Dry-Run answers with the decision and calls no provider", async () => {
      const result = await client.openai("@chain", {}, { "x-modelux-dry-run": "true" });
      expect(result.status).toBe(200);
      expect(result.headers.get("x-modelux-dry-run")).toBe("true");
      expect(result.body.object).toBe("modelux.dry_run");
      expect(result.body.would_serve).toEqual({
        provider: "anthropic",
        model: "claude-sonnet-4-5",
      });
      const trace = result.body["mlx:trace"] as { dry_run: boolean; candidates: unknown[] };
      expect(trace.dry_run).toBe(true);
      expect(trace.candidates).toHaveLength(2);
      expect(await client.calls()).toEqual({});
    });

    test("a dry run on the Anthropic surface answers the same decision", async () => {
      const result = await client.anthropic("@cheap", {}, { "x-modelux-dry-run": "true" });
      expect(result.status).toBe(200);
      expect(result.body.would_serve).toEqual({ provider: "openai", model: "gpt-4o-mini" });
      expect(await client.calls()).toEqual({});
    });

    test("mlx:trace: true puts the trace in the body, fast path included", async () => {
      const result = await client.openai("@chain", { "mlx:trace": true });
      expect(result.status).toBe(200);
      const trace = result.body["mlx:trace"] as Record<string, unknown>;
      expect(trace.request_id).toBe(result.headers.get("x-modelux-request-id"));
      expect(trace.strategy).toBe("fallback");
      expect(result.body.choices).toBeDefined();
    });

    test("mlx:trace on a stream comes as a last `mlx:trace` event after the surface's own end", async () => {
      const result = await client.anthropic("@chain", { stream: true, "mlx:trace": true });
      expect(result.status).toBe(200);
      const at = result.text.indexOf("event: mlx:trace");
      expect(at).toBeGreaterThan(result.text.indexOf("message_stop"));
      const data = result.text.slice(at).split("\n")[1]?.slice(6) ?? "{}";
      const trace = JSON.parse(data) as { usage: { outputTokens: number }; status: number };
      expect(trace.status).toBe(200);
      expect(trace.usage.outputTokens).toBeGreaterThan(0);
    });

    test("a request without mlx:trace carries no trace, and no upstream sees mlx fields", async () => {
      const result = await client.openai("@chain", { "mlx:tags": { a: "b" } });
      expect(result.body["mlx:trace"]).toBeUndefined();
      expect(client.traceOf(result).tags).toEqual({ a: "b" });
    });

    test("malformed mlx fields are a 400 naming the field", async () => {
      const result = await client.openai("@chain", { "mlx:tags": ["x"] });
      expect(result.status).toBe(400);
      expect((result.body.error as { param: string }).param).toBe("mlx:tags");
    });
  });
});
