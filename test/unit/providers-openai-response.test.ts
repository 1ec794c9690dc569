// Every recorded non-streamed Chat Completions answer (OpenAI and the compatible vendors) read
// through the adapters into canonical form. Expected values are read off the recordings.
import { describe, expect, test } from "bun:test";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { openAiCompatibleAdapters } from "../../dataplane/providers/openai-compatible/index.ts";
import { handWritten, recording } from "./providers-openai-helpers.ts";

async function parse(path: string, vendor = "openai"): Promise<CanonicalResponse> {
  const adapter = vendor === "openai" ? openAiAdapter : openAiCompatibleAdapters[vendor];
  if (!adapter) throw new Error(`no adapter ${vendor}`);
  const { value, warnings } = adapter.parseResponse(await recording(path));
  expect(warnings).toEqual([]);
  return value;
}

const textOf = (response: CanonicalResponse) =>
  response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
const thinkingOf = (response: CanonicalResponse) =>
  response.content.flatMap((block) => (block.type === "thinking" ? [block.text] : [])).join("");
const toolsOf = (response: CanonicalResponse) =>
  response.content.flatMap((block) =>
    block.type === "tool-use" ? [{ id: block.id, name: block.name, input: block.input }] : [],
  );

describe("OpenAI", () => {
  test("openai/chat/openai-text.json", async () => {
    const response = await parse("openai/chat/openai-text.json");
    expect(response.id).toBe("chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU");
    expect(response.model).toBe("gpt-4.1-nano-2025-04-14");
    expect(response.content).toHaveLength(1);
    expect(textOf(response).startsWith("**Holiday Name:** Galaxy Day")).toBe(true);
    expect(textOf(response).endsWith("dream beyond our world.")).toBe(true);
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toEqual({
      inputTokens: 16,
      outputTokens: 363,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe("xAI (reasoning tokens outside completion_tokens)", () => {
  test("openai-compatible/chat/xai-text.json", async () => {
    const response = await parse("openai-compatible/chat/xai-text.json", "xai");
    expect(response.model).toBe("grok-3-mini");
    expect(response.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(textOf(response)).toBe("Grok");
    expect(thinkingOf(response).startsWith('First, the user said: "Say a single word."')).toBe(
      true,
    );
    expect(response.stopReason).toBe("end_turn");
    // prompt 12 + completion 2 + reasoning 320 = total 334: reasoning is not in completion.
    expect(response.usage).toEqual({
      inputTokens: 12,
      outputTokens: 322,
      cacheReadTokens: 2,
      cacheWriteTokens: 0,
      reasoningTokens: 320,
    });
  });

  test("openai-compatible/chat/xai-tool-call.json", async () => {
    const response = await parse("openai-compatible/chat/xai-tool-call.json", "xai");
    expect(response.content.map((block) => block.type)).toEqual(["thinking", "tool-use"]);
    expect(toolsOf(response)).toEqual([
      { id: "call_46427107", name: "weather", input: { location: "San Francisco" } },
    ]);
    expect(response.stopReason).toBe("tool_use");
    expect(response.usage).toMatchObject({
      inputTokens: 307,
      outputTokens: 281,
      cacheReadTokens: 244,
      reasoningTokens: 255,
    });
  });

  test("xai/xai-text.json and xai/xai-tool-call.json", async () => {
    const text = await parse("xai/xai-text.json", "xai");
    expect(textOf(text)).toBe("Hello");
    expect(text.usage).toMatchObject({
      inputTokens: 12,
      outputTokens: 229,
      cacheReadTokens: 2,
      reasoningTokens: 228,
    });
    const tool = await parse("xai/xai-tool-call.json", "xai");
    expect(toolsOf(tool)).toEqual([
      { id: "call_93562515", name: "weather", input: { location: "San Francisco" } },
    ]);
    expect(tool.usage).toMatchObject({
      inputTokens: 291,
      outputTokens: 215,
      cacheReadTokens: 244,
      reasoningTokens: 189,
    });
  });
});

describe("DeepSeek", () => {
  test("deepseek-text.json: cut by the token limit", async () => {
    const response = await parse("deepseek/chat/deepseek-text.json", "deepseek");
    expect(response.id).toBe("00f10ecd-60b3-4707-b5db-e4bcadf7aea1");
    expect(textOf(response).startsWith("## **Holiday Name: Gratitude of Small Things Day")).toBe(
      true,
    );
    expect(textOf(response).endsWith("Instead of lavish presents, people exchange")).toBe(true);
    expect(response.stopReason).toBe("max_tokens");
    expect(response.usage).toMatchObject({
      inputTokens: 13,
      outputTokens: 300,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  test("deepseek-reasoning.json: reasoning_content and reasoning tokens inside completion", async () => {
    const response = await parse("deepseek/chat/deepseek-reasoning.json", "deepseek");
    expect(response.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(thinkingOf(response).startsWith("We are asked: \"How many 'r's")).toBe(true);
    expect(textOf(response)).toBe(
      'The word "strawberry" contains three instances of the letter "r": one after the "t" and two before the "y".',
    );
    expect(response.usage).toMatchObject({
      inputTokens: 18,
      outputTokens: 345,
      reasoningTokens: 315,
    });
  });

  test("deepseek-json.json: cached prompt tokens", async () => {
    const response = await parse("deepseek/chat/deepseek-json.json", "deepseek");
    expect(JSON.parse(textOf(response))).toEqual({
      location: "San Francisco",
      condition: "cloudy",
      temperature: 7,
    });
    expect(response.usage).toMatchObject({
      inputTokens: 495,
      outputTokens: 144,
      cacheReadTokens: 320,
      reasoningTokens: 118,
    });
  });

  test("deepseek-tool-call.json", async () => {
    const response = await parse("deepseek/chat/deepseek-tool-call.json", "deepseek");
    expect(toolsOf(response)).toEqual([
      {
        id: "call_00_9V0vrf86Pc9aelHCJMZqnJBo",
        name: "weather",
        input: { location: "San Francisco" },
      },
    ]);
    expect(textOf(response)).toBe("");
    expect(response.stopReason).toBe("tool_use");
    expect(response.usage).toMatchObject({
      inputTokens: 339,
      outputTokens: 92,
      cacheReadTokens: 320,
      reasoningTokens: 48,
    });
  });
});

describe("Groq", () => {
  test("groq-text.json", async () => {
    const response = await parse("groq/groq-text.json", "groq");
    expect(response.model).toBe("llama-3.3-70b-versatile");
    expect(textOf(response).startsWith('I\'d like to introduce "Luminaria"')).toBe(true);
    expect(response.usage).toMatchObject({
      inputTokens: 45,
      outputTokens: 607,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  test("groq-reasoning.json: `reasoning` as thinking", async () => {
    const response = await parse("groq/groq-reasoning.json", "groq");
    expect(response.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(thinkingOf(response).startsWith("Okay, so the user is asking how many times")).toBe(
      true,
    );
    expect(textOf(response).endsWith("**Answer:** 3.")).toBe(true);
    expect(response.usage).toMatchObject({
      inputTokens: 17,
      outputTokens: 649,
      reasoningTokens: 570,
    });
  });

  test("groq-tool-call.json: no content field, empty arguments object", async () => {
    const response = await parse("groq/groq-tool-call.json", "groq");
    expect(response.content).toEqual([
      { type: "tool-use", id: "ax9fskhev", name: "weather", input: {} },
    ]);
    expect(response.stopReason).toBe("tool_use");
    expect(response.usage).toMatchObject({ inputTokens: 218, outputTokens: 15 });
  });
});

describe("Mistral", () => {
  test("mistral-text.json", async () => {
    const response = await parse("mistral/mistral-text.json", "mistral");
    expect(textOf(response).startsWith('**Holiday Name: "World Kindness Day of Sharing"**')).toBe(
      true,
    );
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toMatchObject({ inputTokens: 13, outputTokens: 434 });
  });

  test("mistral-reasoning.json: content parts with thinking", async () => {
    const response = await parse("mistral/mistral-reasoning.json", "mistral");
    expect(response.content).toEqual([
      { type: "thinking", text: "The user is asking for 2+2. This is basic arithmetic. 2+2=4." },
      { type: "text", text: "2 + 2 = 4" },
    ]);
    expect(response.usage).toMatchObject({ inputTokens: 10, outputTokens: 46 });
  });

  test("mistral-tool-call.json: tool call without `type`", async () => {
    const response = await parse("mistral/mistral-tool-call.json", "mistral");
    expect(toolsOf(response)).toEqual([
      { id: "gSIMJiOkT", name: "weather", input: { location: "San Francisco" } },
    ]);
    expect(response.usage).toMatchObject({ inputTokens: 124, outputTokens: 22 });
  });
});

describe("answers no recording covers (hand-written fixtures)", () => {
  test("a refusal", async () => {
    const { value } = openAiAdapter.parseResponse(await handWritten("openai/refusal.json"));
    expect(value.stopReason).toBe("refusal");
    expect(value.content).toEqual([{ type: "text", text: "I'm sorry, I can't help with that." }]);
  });

  test("parallel tool calls, one with arguments that are not JSON", async () => {
    const { value, warnings } = openAiAdapter.parseResponse(
      await handWritten("openai/parallel-tool-calls.json"),
    );
    expect(value.content).toEqual([
      { type: "text", text: "Checking both." },
      { type: "tool-use", id: "call_a", name: "weather", input: { city: "Paris" } },
      { type: "tool-use", id: "call_b", name: "weather", input: "{city: Rome" },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual(["tool_calls.arguments"]);
    expect(value.stopReason).toBe("tool_use");
    expect(value.usage).toMatchObject({
      inputTokens: 2048,
      cacheReadTokens: 1920,
      outputTokens: 40,
    });
  });

  test("content_filter", async () => {
    const body = {
      id: "x",
      model: "m",
      choices: [{ message: { content: null }, finish_reason: "content_filter" }],
    };
    expect(openAiAdapter.parseResponse(body).value.stopReason).toBe("content_filter");
  });

  test("an answer that is not a Chat Completions object is an upstream error", () => {
    expect(() => openAiAdapter.parseResponse({ nope: true })).toThrow(GatewayError);
    expect(() => openAiAdapter.parseResponse("text")).toThrow(GatewayError);
  });
});
