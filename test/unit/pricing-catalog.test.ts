// The price catalog: lookups of real models, the fallbacks for dated and Bedrock ids, the
// unknown-model rule. That catalog.json matches its generator is checked by .ci/run
// (`bun run catalog:generate --check`), where the source data sits beside the clone.
import { describe, expect, test } from "bun:test";
import { lookupModel, TIER_RANK } from "#shared/pricing/catalog.ts";

describe("lookupModel", () => {
  test("prices gpt-4o-mini in USD per token (source: cents per token / 100)", () => {
    // Source: request 0.000015, response 0.00006, cache read 0.0000075 cents per token; batch
    // 0.0000075 / 0.00003; cache write listed as 0 (not a free cache: falls back to input).
    const info = lookupModel("openai", "gpt-4o-mini");
    expect(info).toMatchObject({ vendor: "openai", model: "gpt-4o-mini", known: true });
    expect(info.price).toEqual({
      input: 1.5e-7,
      output: 6e-7,
      cacheRead: 7.5e-8,
      cacheWrite: 1.5e-7,
      reasoning: 6e-7,
      batchInput: 7.5e-8,
      batchOutput: 3e-7,
    });
    expect(info.contextWindow).toBe(128000);
    expect(info.maxOutputTokens).toBe(16384);
    expect(info.supports).toEqual({ tools: true, vision: true, json: true });
    expect(info.qualityTier).toBe("low");
  });

  test("Anthropic's cache rates come through as listed", () => {
    const info = lookupModel("anthropic", "claude-3-5-sonnet-20241022");
    expect(info.price).toMatchObject({
      input: 3e-6,
      output: 1.5e-5,
      cacheRead: 3e-7,
      cacheWrite: 3.75e-6,
      reasoning: 1.5e-5,
    });
    expect(info.qualityTier).toBe("high");
    expect(info.contextWindow).toBe(200000);
  });

  test("a dated snapshot falls back to its undated entry", () => {
    const info = lookupModel("openai", "gpt-4o-mini-2099-01-01");
    expect(info).toMatchObject({ model: "gpt-4o-mini", known: true });
    expect(info.price.input).toBe(1.5e-7);
    expect(lookupModel("openai", "gpt-4o-mini-2024-07-18")).toMatchObject({
      model: "gpt-4o-mini-2024-07-18",
      known: true,
    });
  });

  test("an undated name finds its newest dated entry; -latest and @ variants strip too", () => {
    expect(lookupModel("anthropic", "claude-3-haiku").model).toBe("claude-3-haiku-20240307");
    expect(lookupModel("anthropic", "claude-3-haiku@20240307").model).toBe(
      "claude-3-haiku-20240307",
    );
    expect(lookupModel("openai", "gpt-4o-mini-latest").model).toBe("gpt-4o-mini");
  });

  test("Bedrock ids, with and without a cross-region prefix", () => {
    const direct = lookupModel("bedrock", "anthropic.claude-3-haiku-20240307-v1:0");
    expect(direct).toMatchObject({ known: true, model: "anthropic.claude-3-haiku-20240307-v1:0" });
    expect(direct.price.input).toBe(2.5e-7);
    expect(direct.price.output).toBe(1.25e-6);
    expect(direct.qualityTier).toBe("low");
    expect(direct.supports).toEqual({ tools: true, vision: true, json: true });

    const profile = lookupModel("bedrock", "us.anthropic.claude-3-haiku-20240307-v1:0");
    expect(profile).toMatchObject({ known: true, model: "anthropic.claude-3-haiku-20240307-v1:0" });
    expect(lookupModel("bedrock", "eu.anthropic.claude-3-haiku-20240307-v2:0").price.input).toBe(
      2.5e-7,
    );
  });

  test("Azure deployments named after the model; OpenAI's table when Azure lacks it", () => {
    expect(lookupModel("azure", "gpt-4o").price.input).toBe(2.5e-6);
    expect(lookupModel("azure", "gpt-35-turbo")).toMatchObject({
      known: true,
      model: "gpt-35-turbo",
    });
    expect(lookupModel("azure", "gpt-4o-mini-tts")).toMatchObject({ known: false });
    expect(lookupModel("azure", "ft:gpt-4o-mini:acme::abc123")).toMatchObject({
      known: true,
      model: "ft:gpt-4o-mini",
    });
  });

  test("host-specific ids: Fireworks account paths, Gemini's models/ prefix", () => {
    expect(
      lookupModel("fireworks", "accounts/fireworks/models/llama-v3p1-405b-instruct"),
    ).toMatchObject({ known: true, model: "llama-v3p1-405b-instruct" });
    expect(lookupModel("google", "models/gemini-2.5-pro")).toMatchObject({
      known: true,
      model: "gemini-2.5-pro",
      qualityTier: "high",
    });
  });

  test("Gemini's prompt-length tiers fold into one entry at the short-prompt price", () => {
    // Source: gemini-2.5-pro-lte-128k request 0.000125, response 0.001 cents per token.
    const info = lookupModel("google", "gemini-2.5-pro");
    expect(info.price.input).toBe(1.25e-6);
    expect(info.price.output).toBe(1e-5);
    expect(info.contextWindow).toBe(1048576);
  });

  test("an unknown model is priced as the vendor's dearest, with no capabilities", () => {
    const info = lookupModel("anthropic", "claude-imaginary-9");
    const dearest = lookupModel("anthropic", "claude-3-opus-20240229");
    expect(info).toMatchObject({
      vendor: "anthropic",
      model: "claude-imaginary-9",
      known: false,
      qualityTier: "medium",
      contextWindow: null,
      maxOutputTokens: null,
      supports: { tools: false, vision: false, json: false },
    });
    // Claude 3 Opus ($15 / $75 per million) is the dearest in the Anthropic table.
    expect(info.price.input).toBe(dearest.price.input);
    expect(info.price.output).toBe(dearest.price.output);
    expect(info.price.batchInput).toBeNull();
  });

  test("an unknown vendor is priced as the dearest model overall", () => {
    const info = lookupModel("acme-llm", "anything");
    // o1-pro: $150 / $600 per million tokens.
    expect(info).toMatchObject({ vendor: "acme-llm", known: false });
    expect(info.price.input).toBe(1.5e-4);
    expect(info.price.output).toBe(6e-4);
    expect(info.price.input).toBeGreaterThanOrEqual(lookupModel("openai", "gpt-4o").price.input);
  });

  test("OpenAI-compatible hosts do not borrow OpenAI's prices", () => {
    expect(lookupModel("groq", "gpt-4o").known).toBe(false);
    expect(lookupModel("groq", "llama-3.1-8b-instant")).toMatchObject({
      known: true,
      qualityTier: "low",
    });
  });

  test("quality tiers and capabilities of a few families", () => {
    expect(lookupModel("openai", "gpt-4o").qualityTier).toBe("high");
    expect(lookupModel("openai", "gpt-4.1-nano").qualityTier).toBe("low");
    expect(lookupModel("openai", "o3").qualityTier).toBe("high");
    expect(lookupModel("openai", "o3-mini").qualityTier).toBe("low");
    expect(lookupModel("google", "gemini-2.5-flash").qualityTier).toBe("medium");
    expect(lookupModel("google", "gemini-2.0-flash-lite").qualityTier).toBe("low");
    expect(lookupModel("mistral", "mistral-large-latest").qualityTier).toBe("high");
    expect(lookupModel("cohere", "command-r-plus").qualityTier).toBe("high");
    expect(lookupModel("deepseek", "deepseek-reasoner").qualityTier).toBe("high");
    expect(lookupModel("xai", "grok-3-mini").qualityTier).toBe("low");
    expect(lookupModel("cohere", "command-r").supports).toEqual({
      tools: true,
      vision: false,
      json: true,
    });
    expect(lookupModel("openai", "text-embedding-3-small").supports).toEqual({
      tools: false,
      vision: false,
      json: false,
    });
    expect(TIER_RANK.low).toBeLessThan(TIER_RANK.medium);
    expect(TIER_RANK.medium).toBeLessThan(TIER_RANK.high);
  });

  test("answers are memoized and frozen", () => {
    const first = lookupModel("openai", "gpt-4o");
    expect(lookupModel("openai", "gpt-4o")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.price)).toBe(true);
  });
});
