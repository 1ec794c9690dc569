// The OpenAI surface's request parsing: field-level errors, every message role into canonical,
// and fields without a canonical slot kept verbatim in openAiOnly.
import { describe, expect, test } from "bun:test";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiSurface } from "../../dataplane/surfaces/openai/index.ts";

const parse = (body: Record<string, unknown>) => openAiSurface.parseRequest(body, new Headers());
const minimal = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };

function errorOf(body: Record<string, unknown>): GatewayError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("errors name the field", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["missing model", { messages: minimal.messages }, "model", /is required/],
    ["model of the wrong type", { ...minimal, model: 4 }, "model", /expected string/],
    ["empty messages", { ...minimal, messages: [] }, "messages", /expected >=1/i],
    [
      "an unknown role",
      { ...minimal, messages: [{ role: "robot", content: "x" }] },
      "messages[0].role",
      /expected \("user" \| "assistant" \| "system" \| "developer" \| "tool"\), received "robot"/,
    ],
    [
      "content of the wrong type",
      { ...minimal, messages: [{ role: "user", content: 5 }] },
      "messages[0].content",
      /string \| array/i,
    ],
    [
      "an image part without url",
      {
        ...minimal,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "image_url", image_url: {} },
            ],
          },
        ],
      },
      "messages[0].content[1].image_url.url",
      /is required/,
    ],
    [
      "a bad image detail",
      {
        ...minimal,
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://x/a.png", detail: "max" } }],
          },
        ],
      },
      "messages[0].content[0].image_url.detail",
      /received "max"/,
    ],
    [
      "a tool message without tool_call_id",
      { ...minimal, messages: [{ role: "tool", content: "x" }] },
      "messages[0].tool_call_id",
      /is required/,
    ],
    [
      "tool call arguments that are not a string",
      {
        ...minimal,
        messages: [
          {
            role: "assistant",
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: {} } }],
          },
        ],
      },
      "messages[0].tool_calls[0].function.arguments",
      /expected string/,
    ],
    ["temperature out of range", { ...minimal, temperature: 3 }, "temperature", /<=2/],
    ["max_tokens not an integer", { ...minimal, max_tokens: 1.5 }, "max_tokens", /integer/],
    [
      "a tool without a name",
      { ...minimal, tools: [{ type: "function", function: { parameters: {} } }] },
      "tools[0].function.name",
      /is required/,
    ],
    [
      "an unknown tool_choice",
      { ...minimal, tool_choice: "sometimes" },
      "tool_choice",
      /received "sometimes"/,
    ],
    [
      "a json_schema without name",
      { ...minimal, response_format: { type: "json_schema", json_schema: {} } },
      "response_format.json_schema.name",
      /is required/,
    ],
    ["stream not a boolean", { ...minimal, stream: "yes" }, "stream", /expected boolean/],
    [
      "stop of the wrong type",
      { ...minimal, stop: 3 },
      "stop",
      /expected \(string \| Array\), received 3/,
    ],
  ];
  for (const [name, body, param, message] of cases) {
    test(name, () => {
      const error = errorOf(body);
      expect(error.code).toBe("invalid_request");
      expect(error.details.param).toBe(param);
      expect(error.message.startsWith(`${param}: `)).toBe(true);
      expect(error.message).toMatch(message);
    });
  }
});

describe("messages → canonical", () => {
  test("every role", () => {
    const { value, warnings } = parse({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here?" },
            {
              type: "image_url",
              image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "high" },
            },
            { type: "image_url", image_url: { url: "https://example.com/b.jpg" } },
            { type: "file", file: { file_id: "file-abc" } },
            {
              type: "file",
              file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            },
            { type: "input_audio", input_audio: { data: "UklGR", format: "wav" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "3°C" },
        { role: "user", content: "And tomorrow?" },
        { role: "assistant", content: [{ type: "refusal", refusal: "I can't forecast." }] },
      ],
    });
    expect(value.system).toEqual([{ text: "Be brief." }, { text: "Use metric units." }]);
    expect(value.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Weather here?" },
          {
            type: "image",
            source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" },
            detail: "high",
          },
          { type: "image", source: { kind: "url", url: "https://example.com/b.jpg" } },
          { type: "document", source: { kind: "file", fileId: "file-abc" } },
          {
            type: "document",
            source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0=" },
            title: "a.pdf",
          },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "tool-use", id: "call_1", name: "weather", input: { city: "Oslo" } }],
      },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolUseId: "call_1",
            toolName: "weather",
            content: [{ type: "text", text: "3°C" }],
          },
          { type: "text", text: "And tomorrow?" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "I can't forecast." }] },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "messages[2].content[5].input_audio",
    ]);
  });

  test("a system message mid-conversation is hoisted with a warning", () => {
    const { value, warnings } = parse({
      model: "gpt-4o",
      messages: [
        { role: "user", content: "a" },
        { role: "system", content: "late" },
      ],
    });
    expect(value.system).toEqual([{ text: "late" }]);
    expect(warnings.map((warning) => warning.subject)).toEqual(["messages[1].role"]);
  });
});

describe("parameters → canonical and openAiOnly", () => {
  test("canonical fields", () => {
    const { value } = parse({
      ...minimal,
      tools: [
        {
          type: "function",
          function: { name: "f", description: "d", parameters: { type: "object" }, strict: true },
        },
      ],
      tool_choice: { type: "function", function: { name: "f" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "out", schema: { type: "object" }, strict: true },
      },
      max_completion_tokens: 300,
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.8,
      presence_penalty: 0.1,
      frequency_penalty: -0.1,
      stop: "END",
      reasoning_effort: "low",
      user: "user-7",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(value).toMatchObject({
      model: "gpt-4o-mini",
      tools: [{ name: "f", description: "d", inputSchema: { type: "object" }, strict: true }],
      toolChoice: { type: "tool", name: "f" },
      responseFormat: {
        type: "json-schema",
        name: "out",
        schema: { type: "object" },
        strict: true,
      },
      maxTokens: 300,
      temperature: 0.5,
      topP: 0.8,
      presencePenalty: 0.1,
      frequencyPenalty: -0.1,
      stopSequences: ["END"],
      thinking: { enabled: true, effort: "low" },
      user: "user-7",
      stream: true,
      forwardHeaders: {},
    });
    expect(value.openAiOnly).toEqual({});
  });

  test("OpenAI-only and unknown fields are kept verbatim; mlx: fields are not", () => {
    const extra = { deep: [1, { two: null }], ünï: "✓" };
    const body = {
      ...minimal,
      seed: 42,
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      logit_bias: { "1": -100 },
      metadata: { user_id: "u" },
      store: false,
      service_tier: "flex",
      some_future_field: extra,
      reasoning_effort: "xhigh",
      tool_choice: {
        type: "allowed_tools",
        allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "f" } }] },
      },
      "mlx:tags": { team: "a" },
      "mlx:end_user": "u-9",
    };
    const { value } = parse(body);
    expect(value.openAiOnly).toEqual({
      seed: 42,
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      logit_bias: { "1": -100 },
      metadata: { user_id: "u" },
      store: false,
      service_tier: "flex",
      some_future_field: extra,
      reasoning_effort: "xhigh",
      tool_choice: body.tool_choice,
    });
    expect(value.openAiOnly.some_future_field).toBe(extra);
    expect(value.thinking).toEqual({ enabled: true, effort: "high" });
    expect(value.toolChoice).toEqual({ type: "required" });
    expect(body["mlx:tags"]).toEqual({ team: "a" }); // The caller's body is not changed.
  });

  test("parallel_tool_calls without tool_choice; reasoning_effort none", () => {
    const { value } = parse({ ...minimal, parallel_tool_calls: false, reasoning_effort: "none" });
    expect(value.toolChoice).toEqual({ type: "auto", parallel: false });
    expect(value.thinking).toEqual({ enabled: false });
    expect(value.openAiOnly).toEqual({ reasoning_effort: "none" });
  });

  test("a __proto__ field is data, not a prototype", () => {
    const body = JSON.parse(
      '{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}',
    );
    const { value } = parse(body);
    expect(Object.keys(value.openAiOnly)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
