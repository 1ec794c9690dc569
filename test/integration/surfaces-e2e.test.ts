// Both surfaces end to end, as users drive them: the official `openai` and `@anthropic-ai/sdk`
// clients with only baseURL and apiKey changed, through the data plane, to the simulator speaking
// every vendor's wire format; streaming and not, with and without tool calls.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_VENDORS,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const weatherTool = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

describe("surfaces end to end through the data plane", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  describe.each(Object.keys(HARNESS_VENDORS))("vendor %s", (vendor) => {
    const model = `@${vendor}`;

    test("OpenAI surface, not streamed", async () => {
      const { data, response } = await openai.chat.completions
        .create({ model, messages: [{ role: "user", content: "Say hello" }] })
        .withResponse();
      expect(data.object).toBe("chat.completion");
      expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(data.choices[0]?.finish_reason).toBe("stop");
      expect(data.usage?.completion_tokens).toBeGreaterThan(0);
      expect(response.headers.get("x-modelux-provider-used")).toBe(vendor);
      expect(response.headers.get("x-modelux-model-used")).toBe(
        HARNESS_VENDORS[vendor]?.model ?? "",
      );
      expect(response.headers.get("x-modelux-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    test("OpenAI surface, streamed with usage", async () => {
      const stream = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Stream hello" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let finish: string | null | undefined = null;
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      let last: OpenAI.ChatCompletionChunk | undefined;
      for await (const chunk of stream) {
        last = chunk;
        text += chunk.choices[0]?.delta?.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(finish).toBe("stop");
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      expect(last?.choices).toEqual([]);
      expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    });

    test("OpenAI surface, streamed without include_usage: every chunk has a choice", async () => {
      const stream = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "Stream hello" }],
        stream: true,
      });
      let text = "";
      let chunks = 0;
      for await (const chunk of stream) {
        chunks += 1;
        // The everyday loop: `chunk.choices[0]` without a guard.
        expect(chunk.choices.length).toBeGreaterThan(0);
        expect(chunk.usage ?? null).toBeNull();
        text += chunk.choices[0]?.delta?.content ?? "";
      }
      expect(chunks).toBeGreaterThan(1);
      expect(text.length).toBeGreaterThan(0);
    });

    test("OpenAI surface: X-Modelux-Warnings names what was dropped, plain and streamed", async () => {
      const request = {
        model,
        messages: [{ role: "user" as const, content: "Say hello" }],
        logprobs: true,
      };
      const plain = await openai.chat.completions.create(request).withResponse();
      const streamed = await openai.chat.completions
        .create({ ...request, stream: true })
        .withResponse();
      for await (const _ of streamed.data);
      const clean = await openai.chat.completions
        .create({ model, messages: request.messages })
        .withResponse();
      expect(clean.response.headers.get("x-modelux-warnings")).toBeNull();
      for (const { response } of [plain, streamed]) {
        const header = response.headers.get("x-modelux-warnings");
        // OpenAI-family targets take the body as is; every other vendor drops logprobs.
        if (vendor === "openai" || vendor === "azure" || vendor === "groq") {
          expect(header).toBeNull();
        } else {
          expect(header?.split(", ")).toContain("unsupported-field:logprobs");
        }
      }
    });

    test("OpenAI surface, tool call streamed and not", async () => {
      const request = {
        model,
        messages: [{ role: "user" as const, content: "What is the weather in Paris?" }],
        tools: [{ type: "function" as const, function: weatherTool }],
      };
      const plain = await openai.chat.completions.create(request);
      const call = plain.choices[0]?.message.tool_calls?.[0];
      expect(plain.choices[0]?.finish_reason).toBe("tool_calls");
      expect(call?.type === "function" && call.function.name).toBe("get_weather");
      expect(call?.type === "function" && typeof JSON.parse(call.function.arguments).city).toBe(
        "string",
      );

      const stream = await openai.chat.completions.create({ ...request, stream: true });
      let name = "";
      let args = "";
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.tool_calls?.[0];
        name += delta?.function?.name ?? "";
        args += delta?.function?.arguments ?? "";
      }
      expect(name).toBe("get_weather");
      expect(typeof JSON.parse(args).city).toBe("string");
    });

    test("Anthropic surface, not streamed", async () => {
      const { data, response } = await anthropic.messages
        .create({ model, max_tokens: 256, messages: [{ role: "user", content: "Say hello" }] })
        .withResponse();
      expect(data.type).toBe("message");
      const text = data.content.find((block) => block.type === "text");
      expect(text?.type === "text" && text.text.length).toBeGreaterThan(0);
      expect(data.stop_reason).toBe("end_turn");
      expect(data.usage.output_tokens).toBeGreaterThan(0);
      expect(response.headers.get("x-modelux-provider-used")).toBe(vendor);
    });

    test("Anthropic surface, streamed", async () => {
      const stream = anthropic.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: "user", content: "Stream hello" }],
      });
      let deltas = "";
      stream.on("text", (text) => {
        deltas += text;
      });
      const final = await stream.finalMessage();
      const text = final.content.find((block) => block.type === "text");
      expect(deltas.length).toBeGreaterThan(0);
      expect(text?.type === "text" && text.text).toBe(deltas);
      expect(final.stop_reason).toBe("end_turn");
      expect(final.usage.output_tokens).toBeGreaterThan(0);
    });

    test("Anthropic surface, streamed: message_start carries the input tokens", async () => {
      const stream = await anthropic.messages.create({
        model,
        max_tokens: 256,
        system: "You are a helpful assistant who answers in one short sentence.",
        messages: [{ role: "user", content: "Stream hello, and tell me about the weather today" }],
        stream: true,
      });
      let started: number | undefined;
      let final: number | null | undefined;
      for await (const event of stream) {
        if (event.type === "message_start") started = event.message.usage.input_tokens;
        if (event.type === "message_delta") final = event.usage.input_tokens;
      }
      // LangChain reads it from message_start; message_delta has the upstream's count.
      expect(started).toBeGreaterThan(0);
      expect(final).toBeGreaterThan(0);
      // Anthropic and Gemini report the prompt's count with their first event: that real count,
      // not the gateway's estimate, is what message_start carries.
      if (vendor === "anthropic" || vendor === "google") expect(started).toBe(final ?? -1);
    });

    test("Anthropic surface: X-Modelux-Warnings names what was dropped, plain and streamed", async () => {
      const request = {
        model,
        max_tokens: 64,
        top_k: 5,
        messages: [{ role: "user" as const, content: "Say hello" }],
      };
      const plain = await anthropic.messages.create(request).withResponse();
      const streamed = await anthropic.messages.create({ ...request, stream: true }).withResponse();
      for await (const _ of streamed.data);
      for (const { response } of [plain, streamed]) {
        const header = response.headers.get("x-modelux-warnings");
        const codes = header?.split(", ") ?? [];
        // top_k reaches the vendors that have it (cohere as `k`); the others drop it, and say so.
        if (["anthropic", "google", "bedrock", "cohere"].includes(vendor)) {
          expect(codes).not.toContain("unsupported-field:top_k");
        } else {
          expect(codes).toContain("unsupported-field:top_k");
        }
      }
    });

    test("Anthropic surface, tool call streamed and not", async () => {
      const request = {
        model,
        max_tokens: 256,
        messages: [{ role: "user" as const, content: "What is the weather in Paris?" }],
        tools: [
          {
            name: weatherTool.name,
            description: weatherTool.description,
            input_schema: weatherTool.parameters,
          },
        ],
      };
      const plain = await anthropic.messages.create(request);
      const use = plain.content.find((block) => block.type === "tool_use");
      expect(plain.stop_reason).toBe("tool_use");
      expect(use?.type === "tool_use" && use.name).toBe("get_weather");
      expect(use?.type === "tool_use" && typeof (use.input as { city: unknown }).city).toBe(
        "string",
      );

      const final = await anthropic.messages.stream(request).finalMessage();
      const streamed = final.content.find((block) => block.type === "tool_use");
      expect(final.stop_reason).toBe("tool_use");
      expect(
        streamed?.type === "tool_use" && typeof (streamed.input as { city: unknown }).city,
      ).toBe("string");
    });
  });
});
