// The outcome model of routing_only replay (controlplane/experiments/outcomes.ts): model
// families, the output-length ratio, draws from observed distributions, the candidate's cost,
// and the seeded randomness that makes a replay reproducible.
import { describe, expect, test } from "bun:test";
import { lookupModel } from "#shared/pricing/catalog.ts";
import {
  candidateCostUsd,
  drawFrom,
  isClientError,
  MIN_RATIO_SAMPLES,
  type ModelProfile,
  modelFamily,
  outputRatio,
  type Profiles,
  profilesFrom,
  routeKey,
} from "../../controlplane/experiments/outcomes.ts";
import { seededRandom, seedOf } from "../../controlplane/experiments/seeded-random.ts";
import { EXPECTED_OUTPUT_TOKENS } from "../../dataplane/routing/strategies/cost-optimized.ts";

const profile = (overrides: Partial<ModelProfile> = {}): ModelProfile => ({
  attempts: 100,
  failures: 0,
  errorRate: 0,
  latencies: [100, 200, 300],
  failureLatencies: [],
  medianOutputTokens: 300,
  outputSamples: 100,
  ...overrides,
});

const profiles = (
  entries: Record<string, Partial<ModelProfile>>,
  window: number | null = 250,
): Profiles => ({
  byRoute: new Map(
    Object.entries(entries).map(([key, value]) => {
      const [provider = "", model = ""] = key.split("/");
      return [routeKey(provider, model), profile(value)];
    }),
  ),
  windowMedianOutputTokens: window,
});

describe("modelFamily", () => {
  test("versions and dates are one family; sizes are not", () => {
    expect(modelFamily("gpt-4o-2024-08-06")).toBe("gpt-4o");
    expect(modelFamily("claude-3-5-sonnet-20241022")).toBe("claude-3-5-sonnet");
    expect(modelFamily("claude-3-5-sonnet-latest")).toBe("claude-3-5-sonnet");
    expect(modelFamily("anthropic.claude-sonnet-4-5-v1:0")).toBe("anthropic.claude-sonnet-4-5");
    expect(modelFamily("gemini-1.5-pro-001")).toBe("gemini-1.5-pro");
    expect(modelFamily("meta-llama/Llama-3.3-70B")).toBe("llama-3.3-70b");
    expect(modelFamily("gpt-4o-mini")).not.toBe(modelFamily("gpt-4o"));
    expect(modelFamily("deepseek-v3")).toBe("deepseek-v3");
  });
});

describe("outputRatio", () => {
  const known = profiles({
    "openai/gpt-4o": { medianOutputTokens: 300 },
    "groq/llama3-8b-8192": { medianOutputTokens: 150 },
    "deepseek/deepseek-chat": { medianOutputTokens: 450, outputSamples: MIN_RATIO_SAMPLES - 1 },
  });
  test("the ratio of the two medians when both are observed often enough", () => {
    expect(
      outputRatio(
        known,
        { provider: "openai", model: "gpt-4o" },
        { provider: "groq", model: "llama3-8b-8192" },
      ),
    ).toBe(0.5);
  });
  test("1 for the same family, for too few samples, or for a model not observed", () => {
    expect(
      outputRatio(
        known,
        { provider: "openai", model: "gpt-4o" },
        { provider: "azure", model: "gpt-4o-2024-08-06" },
      ),
    ).toBe(1);
    expect(
      outputRatio(
        known,
        { provider: "openai", model: "gpt-4o" },
        { provider: "deepseek", model: "deepseek-chat" },
      ),
    ).toBe(1);
    expect(
      outputRatio(
        known,
        { provider: "openai", model: "gpt-4o" },
        { provider: "openai", model: "o3" },
      ),
    ).toBe(1);
  });
});

describe("candidateCostUsd", () => {
  const price = lookupModel("openai", "gpt-4o-mini").price;
  const target = { provider: "openai", model: "gpt-4o-mini", price };
  const known = profiles({
    "openai/gpt-4o": { medianOutputTokens: 400 },
    "openai/gpt-4o-mini": { medianOutputTokens: 200 },
  });
  test("a request that succeeded: its input tokens, its output scaled by the ratio", () => {
    const cost = candidateCostUsd(
      known,
      {
        provider: "openai",
        model: "gpt-4o",
        failed: false,
        inputTokens: 1000,
        outputTokens: 300,
        requestInputTokens: 900,
      },
      target,
    );
    expect(cost).toBeCloseTo(1000 * price.input + 150 * price.output, 15);
  });
  test("a request that failed: its estimated input and the candidate's median output", () => {
    const cost = candidateCostUsd(
      known,
      {
        provider: null,
        model: null,
        failed: true,
        inputTokens: 0,
        outputTokens: 0,
        requestInputTokens: 900,
      },
      target,
    );
    expect(cost).toBeCloseTo(900 * price.input + 200 * price.output, 15);
    const unobserved = candidateCostUsd(
      profiles({}, null),
      {
        provider: null,
        model: null,
        failed: true,
        inputTokens: 0,
        outputTokens: 0,
        requestInputTokens: 900,
      },
      target,
    );
    expect(unobserved).toBeCloseTo(900 * price.input + EXPECTED_OUTPUT_TOKENS * price.output, 15);
  });
});

describe("draws and status", () => {
  test("drawFrom picks uniformly from the sample; null when empty", () => {
    const random = seededRandom(1);
    const counts = [0, 0, 0];
    for (let index = 0; index < 30_000; index++) {
      const value = drawFrom([10, 20, 30], random) as number;
      counts[value / 10 - 1] = (counts[value / 10 - 1] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(drawFrom([], random)).toBeNull();
  });
  test("seeded draws repeat for a seed and differ between seeds", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(seedOf("exp-a"))).toEqual(draw(seedOf("exp-a")));
    expect(draw(seedOf("exp-a"))).not.toEqual(draw(seedOf("exp-b")));
    expect(seedOf("abc")).toBe(0x1a47e90b);
  });
  test("a Bernoulli draw at the observed error rate fails that share of requests", () => {
    const random = seededRandom(42);
    let failures = 0;
    for (let index = 0; index < 20_000; index++) if (random() < 0.07) failures++;
    expect(failures / 20_000).toBeCloseTo(0.07, 2);
  });
  test("client errors belong to the request; 408 and 429 to the upstream", () => {
    expect([400, 402, 404, 422].every(isClientError)).toBe(true);
    expect([200, 408, 429, 500, 502].some(isClientError)).toBe(false);
  });
});

describe("profilesFrom", () => {
  test("the row without provider is the window; error rates from the counts", () => {
    const read = profilesFrom([
      {
        provider: null,
        model: null,
        attempts: 10,
        failures: 1,
        latencies: [],
        failure_latencies: [],
        median_output_tokens: 222,
        output_samples: 9,
      },
      {
        provider: "openai",
        model: "gpt-4o",
        attempts: 8,
        failures: 2,
        latencies: [1, 2],
        failure_latencies: [3],
        median_output_tokens: 300,
        output_samples: 6,
      },
    ]);
    expect(read.windowMedianOutputTokens).toBe(222);
    expect(read.byRoute.get(routeKey("openai", "gpt-4o"))).toMatchObject({
      errorRate: 0.25,
      latencies: [1, 2],
    });
  });
});
