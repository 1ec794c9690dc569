// The conformance matrix: scenarios × vendors, each run through the data plane's OpenAI and
// Anthropic surfaces to the simulator. A vendor's adapter declares what it supports; supported
// scenarios must work, unsupported ones must still answer cleanly (the part dropped with a
// warning), never with a 5xx. docs/capabilities.md is generated from the same declarations.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { adapterFor } from "../../dataplane/providers/registry.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_VENDORS,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

/**
 * Chat Completions never returns reasoning text, so OpenAI-family thinking stays invisible;
 * the value says whether the vendor signs it (Cohere does not).
 */
const VISIBLE_REASONING = new Map([
  ["anthropic", true],
  ["google", true],
  ["bedrock", true],
  ["cohere", false],
]);

// A 1×1 PNG.
const PIXEL =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("conformance matrix", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  describe.each(Object.keys(HARNESS_VENDORS))("%s", (vendor) => {
    const model = `@${vendor}`;
    const capabilities = () => {
      const adapter = adapterFor(vendor);
      if (!adapter) throw new Error(`no adapter for ${vendor}`);
      return adapter.capabilities;
    };

    test("usage: input and output tokens are reported", async () => {
      const completion = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Count me" }],
      });
      expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
      expect(completion.usage?.total_tokens).toBe(
        (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
      );
    });

    test("JSON: a json_schema response_format gives JSON matching the schema where supported", async () => {
      const completion = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Name a city" }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "city",
            schema: {
              type: "object",
              properties: { city: { type: "string" } },
              required: ["city"],
              additionalProperties: false,
            },
          },
        },
      });
      const content = completion.choices[0]?.message.content ?? "";
      if (capabilities().json) expect(typeof JSON.parse(content).city).toBe("string");
      else expect(content.length).toBeGreaterThan(0);
    });

    test("vision: an image is served where supported and dropped cleanly elsewhere", async () => {
      const { response, data } = await openai.chat.completions
        .create({
          model,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is in this image?" },
                { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL}` } },
              ],
            },
          ],
        })
        .withResponse();
      expect(response.status).toBe(200);
      expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    });

    test("thinking: extended thinking comes back with its signature where the vendor shows it", async () => {
      const message = await anthropic.messages.create({
        model,
        max_tokens: 4096,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Think, then answer" }],
      });
      const thinking = message.content.find((block) => block.type === "thinking");
      if (capabilities().thinking && VISIBLE_REASONING.has(vendor)) {
        expect(thinking?.type === "thinking" && thinking.thinking.length).toBeGreaterThan(0);
        if (VISIBLE_REASONING.get(vendor)) {
          expect(thinking?.type === "thinking" && thinking.signature.length).toBeGreaterThan(0);
        }
      }
      expect(message.content.some((block) => block.type === "text")).toBe(true);
    });

    test("multi-turn tool use: a tool result is sent back and answered", async () => {
      const tools = [
        {
          name: "get_weather",
          description: "Weather for a city",
          input_schema: {
            type: "object" as const,
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        },
      ];
      const first = await anthropic.messages.create({
        model,
        max_tokens: 512,
        tools,
        messages: [{ role: "user", content: "What is the weather in Paris?" }],
      });
      const use = first.content.find((block) => block.type === "tool_use");
      if (!capabilities().tools) return;
      if (use?.type !== "tool_use") throw new Error(`${vendor}: no tool call`);
      const second = await anthropic.messages.create({
        model,
        max_tokens: 512,
        tools,
        messages: [
          { role: "user", content: "What is the weather in Paris?" },
          { role: "assistant", content: first.content },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: use.id, content: "18°C and sunny" }],
          },
        ],
      });
      expect(second.content.some((block) => block.type === "text")).toBe(true);
    });

    test("errors: an upstream 429 ends as a clean error in each surface's shape", async () => {
      const spec = HARNESS_VENDORS[vendor];
      const fault = { model: spec?.model, status: 429, count: 2 };
      await fetch(`${harness.simulator.url}/_sim/faults`, {
        method: "POST",
        body: JSON.stringify(fault),
        headers: { "content-type": "application/json" },
      });
      const openAiError = await openai.chat.completions
        .create({ model, messages: [{ role: "user", content: "hi" }] })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(openAiError).toBeInstanceOf(OpenAI.APIError);
      expect((openAiError as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
      const anthropicError = await anthropic.messages
        .create({ model, max_tokens: 64, messages: [{ role: "user", content: "hi" }] })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(anthropicError).toBeInstanceOf(Anthropic.APIError);
      expect((anthropicError as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
      await fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" });
    });
  });
});
