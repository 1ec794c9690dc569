// The Gemini adapter building requests, continued: tools and their cleaned schemas, tool choice,
// generation config and thinking, and what Gemini cannot carry (dropped with a warning).
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { canonicalRequest } from "../support/canonical-request.ts";

const provider = {
  id: "prov_1",
  orgId: "org_1",
  name: "google",
  vendor: "google",
  baseUrl: null,
  credential: "key",
  options: {},
};

async function build(overrides: Partial<CanonicalRequest>) {
  const request: CanonicalRequest = canonicalRequest({
    model: "gemini-2.5-flash",
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    ...overrides,
  });
  const { value, warnings } = await googleAdapter.buildRequest(request, {
    provider,
    model: request.model,
  });
  return { body: JSON.parse(value.body), warnings };
}

const weatherSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  properties: {
    city: { type: "string", description: "City name", format: "uri" },
    unit: { type: ["string", "null"], enum: ["c", "f"] },
    when: { type: "string", format: "date-time" },
    kind: { const: "forecast" },
    days: { type: "array", items: { type: "integer", exclusiveMinimum: 0 } },
    place: {
      oneOf: [{ type: "string" }, { type: "object", properties: { lat: { type: "number" } } }],
    },
  },
  required: ["city", "missing"],
};

describe("tools", () => {
  test("declarations with schemas cleaned of what Gemini refuses, one warning per tool", async () => {
    const { body, warnings } = await build({
      tools: [
        {
          name: "weather",
          description: "Weather by city",
          inputSchema: weatherSchema,
          strict: true,
        },
        { name: "ping", inputSchema: { type: "object", properties: {} } },
      ],
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "weather",
            description: "Weather by city",
            parameters: {
              type: "object",
              properties: {
                city: { type: "string", description: "City name" },
                unit: { type: "string", nullable: true, enum: ["c", "f"] },
                when: { type: "string", format: "date-time" },
                kind: { type: "string", enum: ["forecast"] },
                days: { type: "array", items: { type: "integer" } },
                place: {
                  anyOf: [
                    { type: "string" },
                    { type: "object", properties: { lat: { type: "number" } } },
                  ],
                },
              },
              required: ["city"],
            },
          },
          // An object schema without properties is refused as parameters: none are sent.
          { name: "ping" },
        ],
      },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "tools.weather.parameters",
      "tools.weather.strict",
    ]);
    const message = warnings[0]?.message ?? "";
    for (const keyword of [
      "$schema",
      "additionalProperties",
      "format:uri",
      "exclusiveMinimum",
      "oneOf→anyOf",
    ])
      expect(message).toContain(keyword);
  });

  test("tool choice → functionCallingConfig", async () => {
    const tools = [
      {
        name: "weather",
        inputSchema: { type: "object", properties: { city: { type: "string" } } },
      },
    ];
    const config = async (toolChoice: CanonicalRequest["toolChoice"]) =>
      (await build({ tools, toolChoice })).body.toolConfig;
    expect(await config(undefined)).toBeUndefined();
    expect(await config({ type: "auto" })).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(await config({ type: "none" })).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(await config({ type: "required" })).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(await config({ type: "tool", name: "weather" })).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] },
    });
    const { warnings } = await build({ tools, toolChoice: { type: "auto", parallel: false } });
    expect(warnings.map((warning) => warning.subject)).toEqual(["tool_choice.parallel"]);
  });
});

describe("generation config", () => {
  test("sampling, limits, stop sequences (at most five) and penalties", async () => {
    const { body, warnings } = await build({
      maxTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      stopSequences: ["a", "b", "c", "d", "e", "f"],
    });
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      stopSequences: ["a", "b", "c", "d", "e"],
    });
    expect(warnings.map((warning) => warning.subject)).toEqual(["stop_sequences"]);
  });

  test("no generationConfig at all when nothing is set", async () => {
    expect((await build({})).body.generationConfig).toBeUndefined();
  });

  test("JSON output: a MIME type, and a cleaned responseSchema for a schema", async () => {
    expect((await build({ responseFormat: { type: "json" } })).body.generationConfig).toEqual({
      responseMimeType: "application/json",
    });
    const { body, warnings } = await build({
      responseFormat: {
        type: "json-schema",
        name: "answer",
        strict: true,
        schema: {
          type: "object",
          additionalProperties: false,
          properties: { answer: { type: "string" } },
          required: ["answer"],
        },
      },
    });
    expect(body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: { answer: { type: "string" } },
        required: ["answer"],
      },
    });
    expect(warnings.map((warning) => warning.subject)).toEqual(["response_format.schema"]);
  });

  test("thinking → thinkingConfig with thoughts included; an effort becomes a budget", async () => {
    const config = async (thinking: CanonicalRequest["thinking"]) =>
      (await build({ thinking })).body.generationConfig;
    expect(await config({ enabled: true, budgetTokens: 2048 })).toEqual({
      thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 },
    });
    expect(await config({ enabled: true, effort: "low" })).toEqual({
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
    });
    expect(await config({ enabled: true })).toEqual({ thinkingConfig: { includeThoughts: true } });
    // Off means "no thinking asked for": some Gemini models cannot turn it off, so nothing is sent.
    expect(await config({ enabled: false })).toBeUndefined();
  });
});

describe("what Gemini cannot carry", () => {
  test("each OpenAI-only field and the end-user id are dropped with a warning naming it", async () => {
    const { body, warnings } = await build({
      openAiOnly: { seed: 7, logprobs: true, parallel_tool_calls: false },
      user: "end-user-1",
      forwardHeaders: { "anthropic-beta": "x" },
    });
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "seed",
      "logprobs",
      "parallel_tool_calls",
      "user",
    ]);
    expect(warnings.every((warning) => warning.type === "unsupported-field")).toBe(true);
    expect(JSON.stringify(body)).not.toContain("seed");
    expect(JSON.stringify(body)).not.toContain("end-user-1");
  });
});
