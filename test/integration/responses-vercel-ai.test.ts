// The Vercel AI SDK's default OpenAI provider, which speaks the Responses API (issue 16: every
// call was a 404), created with only baseURL and apiKey, against every vendor the embedded
// default seeds: generateText, streamText, tools over several steps, a conversation continued
// from an earlier result (the SDK sends earlier answers back as item_reference by default) and
// generateObject with a JSON schema.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createOpenAI, type OpenAIProvider } from "@ai-sdk/openai";
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import {
  type GatewayHarness,
  HARNESS_KEY,
  HARNESS_VENDORS,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const weather = () => {
  const calls: string[] = [];
  return {
    calls,
    get_weather: tool({
      description: "Current weather for a city",
      inputSchema: jsonSchema<{ city: string }>({
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
        additionalProperties: false,
      }),
      execute: async ({ city }) => {
        calls.push(city);
        return `18°C and sunny in ${city}`;
      },
    }),
  };
};

describe("Vercel AI SDK openai(model) through the Responses API", () => {
  let harness: GatewayHarness;
  let openai: OpenAIProvider;
  /** The bodies the SDK posted to /responses, in order. */
  const sent: Array<{ input?: Array<{ type?: string }> }> = [];

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = createOpenAI({
      baseURL: `${harness.baseUrl}/openai/v1`,
      apiKey: HARNESS_KEY,
      fetch: Object.assign(
        async (input: string | URL | Request, init?: RequestInit) => {
          if (String(input).endsWith("/responses") && typeof init?.body === "string")
            sent.push(JSON.parse(init.body));
          return fetch(input, init);
        },
        { preconnect: fetch.preconnect },
      ),
    });
  });
  afterAll(() => harness.stop());

  describe.each(Object.keys(HARNESS_VENDORS))("%s", (vendor) => {
    const model = () => openai(`@${vendor}`);

    test("generateText: text, usage and a Responses id", async () => {
      const result = await generateText({
        model: model(),
        system: "Answer in one sentence.",
        prompt: "Say hello",
        maxRetries: 0,
      });
      expect(result.text.length).toBeGreaterThan(0);
      expect(result.finishReason).toBe("stop");
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(String(result.providerMetadata?.openai?.responseId)).toMatch(/^resp_/);
      expect(result.response.headers?.["x-modelux-provider-used"]).toBe(vendor);
    });

    test("streamText: text deltas arrive one by one and add up to the text", async () => {
      const result = streamText({ model: model(), prompt: "Stream hello", maxRetries: 0 });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe(await result.text);
      expect(await result.finishReason).toBe("stop");
      expect((await result.usage).outputTokens).toBeGreaterThan(0);
    });

    test("tools over several steps: the tool runs and its result is answered", async () => {
      const tools = weather();
      const result = await generateText({
        model: model(),
        tools: { get_weather: tools.get_weather },
        stopWhen: stepCountIs(3),
        prompt: "What is the weather in Paris?",
        maxRetries: 0,
      });
      expect(result.steps.length).toBeGreaterThanOrEqual(2);
      const [first] = result.steps;
      expect(first?.finishReason).toBe("tool-calls");
      expect(first?.toolCalls.map((call) => call.toolName)).toEqual(["get_weather"]);
      expect(tools.calls.length).toBe(1);
      expect(result.steps.at(-1)?.finishReason).toBe("stop");
      expect(result.text.length).toBeGreaterThan(0);
    });

    test("a conversation continued from response.messages: earlier turns sent as item_reference", async () => {
      const first = await generateText({ model: model(), prompt: "Say hello", maxRetries: 0 });
      sent.length = 0;
      const second = await generateText({
        model: model(),
        messages: [
          { role: "user", content: "Say hello" },
          ...first.response.messages,
          { role: "user", content: "Say it again" },
        ],
        maxRetries: 0,
      });
      // The SDK names the earlier answer by its item id (store is on by default); the gateway
      // reads it back from what it stored, whichever vendor answered.
      expect(sent[0]?.input?.map((item) => item.type)).toContain("item_reference");
      expect(second.text.length).toBeGreaterThan(0);
      expect(second.finishReason).toBe("stop");
    });

    test("generateObject: an object matching the JSON schema", async () => {
      const result = await generateObject({
        model: model(),
        schema: jsonSchema<{ city: string; population: number }>({
          type: "object",
          properties: { city: { type: "string" }, population: { type: "number" } },
          required: ["city", "population"],
          additionalProperties: false,
        }),
        prompt: "Name a city and its population",
        maxRetries: 0,
      });
      expect(typeof result.object.city).toBe("string");
      expect(typeof result.object.population).toBe("number");
      expect(result.finishReason).toBe("stop");
    });
  });
});
