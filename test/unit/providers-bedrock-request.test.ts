// Canonical request → Converse body: content blocks, merged turns, cache points, tools and tool
// choice, inference settings, Claude's additional fields, and what is dropped with a warning.
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { convertRequest } from "../../dataplane/providers/bedrock/convert-request.ts";
import { JSON_TOOL_NAME } from "../../dataplane/providers/bedrock/convert-tools.ts";
import { canonicalRequest } from "../support/canonical-request.ts";

const CLAUDE = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";

function base(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest({
    model: CLAUDE,
    ...overrides,
  });
}

const weatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("messages", () => {
  test("every content block in Converse's shape; consecutive turns merged; cache points placed", () => {
    const { value, warnings } = convertRequest(
      base({
        system: [
          { text: "You are terse.", cacheControl: { type: "ephemeral" } },
          { text: "Be kind." },
        ],
        messages: [
          { role: "user", content: [{ type: "text", text: "Look:" }] },
          {
            role: "user",
            content: [
              { type: "image", source: { kind: "base64", mediaType: "image/png", data: PNG } },
              { type: "image", source: { kind: "url", url: `data:image/jpeg;base64,${PNG}` } },
              {
                type: "document",
                source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0=" },
                title: "Q3 report: final!",
                cacheControl: { type: "ephemeral", ttl: "1h" },
              },
            ],
          },
          {
            role: "assistant",
            content: [
              {
                type: "thinking",
                text: "They want weather.",
                signature: "sig-abc",
                origin: "claude",
              },
              { type: "redacted-thinking", data: "cmVkYWN0ZWQ=", origin: "claude" },
              { type: "text", text: "Checking." },
              { type: "tool-use", id: "tooluse_1", name: "get_weather", input: { city: "Oslo" } },
            ],
          },
          {
            role: "user",
            content: [
              {
                type: "tool-result",
                toolUseId: "tooluse_1",
                content: [
                  { type: "text", text: "Sunny" },
                  { type: "image", source: { kind: "base64", mediaType: "image/webp", data: PNG } },
                ],
                isError: true,
              },
            ],
          },
        ],
        tools: [weatherTool],
      }),
    );
    expect(value.system).toEqual([
      { text: "You are terse." },
      { cachePoint: { type: "default" } },
      { text: "Be kind." },
    ]);
    expect(value.messages).toEqual([
      {
        role: "user",
        content: [
          { text: "Look:" },
          { image: { format: "png", source: { bytes: PNG } } },
          { image: { format: "jpeg", source: { bytes: PNG } } },
          { document: { format: "pdf", name: "Q3 report final", source: { bytes: "JVBERi0=" } } },
          { cachePoint: { type: "default", ttl: "1h" } },
        ],
      },
      {
        role: "assistant",
        content: [
          {
            reasoningContent: {
              reasoningText: { text: "They want weather.", signature: "sig-abc" },
            },
          },
          { reasoningContent: { redactedContent: "cmVkYWN0ZWQ=" } },
          { text: "Checking." },
          { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Oslo" } } },
        ],
      },
      {
        role: "user",
        content: [
          {
            toolResult: {
              toolUseId: "tooluse_1",
              content: [{ text: "Sunny" }, { image: { format: "webp", source: { bytes: PNG } } }],
              status: "error",
            },
          },
        ],
      },
    ]);
    expect(warnings).toEqual([]);
  });

  test("image URLs, file ids and unknown formats are dropped with warnings", () => {
    const { value, warnings } = convertRequest(
      base({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "See" },
              { type: "image", source: { kind: "url", url: "https://example.com/cat.png" } },
              { type: "image", source: { kind: "file", fileId: "file-1" } },
              { type: "image", source: { kind: "base64", mediaType: "image/tiff", data: "AAAA" } },
              { type: "document", source: { kind: "url", url: "https://example.com/a.pdf" } },
              {
                type: "tool-result",
                toolUseId: "t1",
                content: [
                  { type: "image", source: { kind: "url", url: "https://example.com/x.png" } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(value.messages[0]?.content).toEqual([
      { text: "See" },
      { toolResult: { toolUseId: "t1", content: [{ text: "" }] } },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "image",
      "image",
      "image",
      "document",
      "tool-result.image",
    ]);
    expect(warnings.every((warning) => warning.type === "unsupported-content")).toBe(true);
  });
});

describe("tools and settings", () => {
  test("tool specs with a cache point; required → any; a named tool → tool", () => {
    const tools = [{ ...weatherTool, cacheControl: { type: "ephemeral" as const } }];
    const required = convertRequest(base({ tools, toolChoice: { type: "required" } })).value;
    expect(required.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: "get_weather",
            description: "Weather for a city",
            inputSchema: { json: weatherTool.inputSchema },
          },
        },
        { cachePoint: { type: "default" } },
      ],
      toolChoice: { any: {} },
    });
    const named = convertRequest(
      base({ tools, toolChoice: { type: "tool", name: "get_weather" } }),
    );
    expect(named.value.toolConfig?.toolChoice).toEqual({ tool: { name: "get_weather" } });
    expect(
      convertRequest(base({ tools, toolChoice: { type: "auto" } })).value.toolConfig?.toolChoice,
    ).toBeUndefined();
    // none: without tool blocks in the conversation, the tools are simply not offered.
    expect(
      convertRequest(base({ tools, toolChoice: { type: "none" } })).value.toolConfig,
    ).toBeUndefined();
  });

  test("inference settings, Claude's thinking, top_k and anthropic-beta", () => {
    const { value, warnings } = convertRequest(
      base({
        maxTokens: 8000,
        temperature: 1,
        topP: 0.9,
        topK: 40,
        stopSequences: ["END"],
        thinking: { enabled: true, budgetTokens: 2048 },
        forwardHeaders: {
          "anthropic-beta": "interleaved-thinking-2025-05-14, context-1m-2025-08-07",
          "anthropic-version": "2023-06-01",
        },
      }),
    );
    expect(value.inferenceConfig).toEqual({
      maxTokens: 8000,
      temperature: 1,
      topP: 0.9,
      stopSequences: ["END"],
    });
    expect(value.additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
      top_k: 40,
      anthropic_beta: ["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
    });
    expect(warnings).toEqual([]);
  });

  test("an effort without a budget gets one below max_tokens", () => {
    const effort = convertRequest(
      base({ maxTokens: 3000, thinking: { enabled: true, effort: "high" } }),
    );
    expect(effort.value.additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2999 },
    });
  });

  test("what Converse cannot carry is dropped with a warning naming it", () => {
    const { value, warnings } = convertRequest(
      base({
        model: "meta.llama3-70b-instruct-v1:0",
        presencePenalty: 0.5,
        frequencyPenalty: 0.2,
        topK: 5,
        thinking: { enabled: true },
        user: "end-user-1",
        openAiOnly: { seed: 7, logprobs: true },
        forwardHeaders: { "x-custom": "1" },
      }),
    );
    expect(value.additionalModelRequestFields).toBeUndefined();
    expect(warnings.map((warning) => warning.subject).sort()).toEqual(
      [
        "frequency_penalty",
        "header x-custom",
        "logprobs",
        "presence_penalty",
        "seed",
        "thinking",
        "top_k",
        "user",
      ].sort(),
    );
  });

  test("JSON output is a forced answer tool, with a warning", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const { value, warnings } = convertRequest(
      base({ responseFormat: { type: "json-schema", name: "place", schema } }),
    );
    expect(value.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: JSON_TOOL_NAME,
            description:
              "Give your final answer as this tool's input, a JSON value matching its schema.",
            inputSchema: { json: schema },
          },
        },
      ],
      toolChoice: { tool: { name: JSON_TOOL_NAME } },
    });
    expect(warnings).toEqual([
      expect.objectContaining({ type: "lossy-conversion", subject: "response_format" }),
    ]);
    // With the client's own tools the model may call either; while thinking nothing is forced.
    const withTools = convertRequest(
      base({ tools: [weatherTool], responseFormat: { type: "json" } }),
    );
    expect(withTools.value.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(withTools.value.toolConfig?.tools).toHaveLength(2);
    const thinking = convertRequest(
      base({ responseFormat: { type: "json" }, thinking: { enabled: true, budgetTokens: 1024 } }),
    );
    expect(thinking.value.toolConfig?.toolChoice).toBeUndefined();
  });
});
