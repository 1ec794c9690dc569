// Canonical parameters → a Chat Completions body: tools, formats, the token-limit rule, sampling,
// reasoning, `openAiOnly` byte for byte, and the HTTP call around the body.
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget } from "../../dataplane/providers/adapter.ts";
import { openAiDialect } from "../../dataplane/providers/openai/capabilities.ts";
import { convertToOpenAiChatBody } from "../../dataplane/providers/openai/convert-request.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { canonicalRequest as request } from "./providers-openai-helpers.ts";

const convert = (overrides: Partial<CanonicalRequest>, model = "gpt-4o-mini") =>
  convertToOpenAiChatBody(request(overrides), model, openAiDialect);
const subjects = (warnings: Array<{ subject: string }>) =>
  warnings.map((warning) => warning.subject);

describe("parameters", () => {
  const tools = [
    {
      name: "weather",
      description: "Weather by city",
      inputSchema: { type: "object", properties: { city: { type: "string" } } },
      strict: true,
    },
  ];

  test("tools, tool_choice and parallel_tool_calls", () => {
    const { value } = convert({ tools, toolChoice: { type: "required", parallel: false } });
    expect(value.tools).toEqual([
      {
        type: "function",
        function: {
          name: "weather",
          description: "Weather by city",
          parameters: tools[0]?.inputSchema,
          strict: true,
        },
      },
    ]);
    expect(value.tool_choice).toBe("required");
    expect(value.parallel_tool_calls).toBe(false);
    expect(
      convert({ tools, toolChoice: { type: "tool", name: "weather" } }).value.tool_choice,
    ).toEqual({
      type: "function",
      function: { name: "weather" },
    });
    expect(convert({ tools, toolChoice: { type: "none" } }).value.tool_choice).toBe("none");
    expect(convert({ toolChoice: { type: "auto" } }).value.tool_choice).toBeUndefined();
  });

  test("response_format: json and json-schema", () => {
    expect(convert({ responseFormat: { type: "json" } }).value.response_format).toEqual({
      type: "json_object",
    });
    const schema = { type: "object", properties: { a: { type: "number" } } };
    expect(
      convert({
        responseFormat: {
          type: "json-schema",
          name: "answer",
          schema,
          strict: true,
          description: "d",
        },
      }).value.response_format,
    ).toEqual({
      type: "json_schema",
      json_schema: { name: "answer", description: "d", schema, strict: true },
    });
  });

  test("the token-limit rule: max_completion_tokens for o-series and gpt-5, else max_tokens", () => {
    const field = (model: string) => {
      const body = convert({ maxTokens: 100 }, model).value;
      return "max_completion_tokens" in body
        ? "max_completion_tokens"
        : "max_tokens" in body
          ? "max_tokens"
          : "none";
    };
    for (const model of [
      "o1",
      "o1-mini",
      "o3",
      "o3-mini",
      "o4-mini",
      "gpt-5",
      "gpt-5-mini",
      "gpt-5.1",
      "ft:o4-mini:org::x",
    ]) {
      expect([model, field(model)]).toEqual([model, "max_completion_tokens"]);
    }
    for (const model of [
      "gpt-4o",
      "gpt-4o-mini",
      "gpt-4.1-nano",
      "gpt-3.5-turbo",
      "gpt-5-chat-latest",
      "omni-moderation",
    ]) {
      expect([model, field(model)]).toEqual([model, "max_tokens"]);
    }
  });

  test("sampling parameters go to chat models and are dropped with warnings for reasoning models", () => {
    const sampling = {
      temperature: 0.2,
      topP: 0.9,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      stopSequences: ["END"],
    };
    expect(convert(sampling).value).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      stop: ["END"],
    });
    const reasoning = convert(sampling, "o3");
    expect(reasoning.value.temperature).toBeUndefined();
    expect(subjects(reasoning.warnings)).toEqual([
      "temperature",
      "top_p",
      "presence_penalty",
      "frequency_penalty",
    ]);
    expect(subjects(convert({ topK: 40 }).warnings)).toEqual(["top_k"]);
  });

  test("thinking.effort → reasoning_effort on reasoning models; a budget maps to the nearest effort", () => {
    expect(
      convert({ thinking: { enabled: true, effort: "low" } }, "o4-mini").value.reasoning_effort,
    ).toBe("low");
    const budget = convert({ thinking: { enabled: true, budgetTokens: 10000 } }, "gpt-5");
    expect(budget.value.reasoning_effort).toBe("medium");
    expect(subjects(budget.warnings)).toEqual(["thinking.budget_tokens"]);
    const chatModel = convert({ thinking: { enabled: true, effort: "high" } }, "gpt-4o");
    expect(chatModel.value.reasoning_effort).toBeUndefined();
    expect(subjects(chatModel.warnings)).toEqual(["thinking"]);
  });

  test("stream: stream_options.include_usage, the user field", () => {
    expect(convert({ stream: true, user: "u-1" }).value).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
    });
    expect(convert({}).value.stream).toBeUndefined();
  });
});

describe("openAiOnly", () => {
  test("copied byte-identical, winning over derived fields but never over model/messages/stream", () => {
    const openAiOnly = {
      seed: 7,
      n: 2,
      logit_bias: { "50256": -100 },
      parallel_tool_calls: true,
      prediction: { type: "content", content: "ünïcode ✓ \u2028" },
      "x-vendor-extension": { nested: [1, "a", null, { deep: 1.5e-7 }] },
      model: "evil",
      messages: [],
      stream: true,
    };
    const { value, warnings } = convert({
      openAiOnly,
      toolChoice: { type: "auto", parallel: false },
      tools: [{ name: "f", inputSchema: {} }],
    });
    expect(warnings).toEqual([]);
    for (const field of [
      "seed",
      "n",
      "logit_bias",
      "parallel_tool_calls",
      "prediction",
      "x-vendor-extension",
    ] as const) {
      expect(JSON.stringify(value[field])).toBe(JSON.stringify(openAiOnly[field]));
    }
    expect(value.model).toBe("gpt-4o-mini");
    expect(value.stream).toBeUndefined();
    expect((value.messages as unknown[]).length).toBe(1);
  });

  test("client stream_options are kept but include_usage is forced on", () => {
    const { value } = convert({
      stream: true,
      openAiOnly: { stream_options: { include_usage: false, include_obfuscation: false } },
    });
    expect(value.stream_options).toEqual({ include_usage: true, include_obfuscation: false });
  });
});

describe("the HTTP call", () => {
  const target = (baseUrl: string | null): AdapterTarget => ({
    provider: {
      id: "p1",
      orgId: "o1",
      name: "openai",
      vendor: "openai",
      baseUrl,
      credential: "sk-test-123",
      options: {},
    },
    model: "gpt-4o-mini",
  });

  test("buildRequest: default and custom base URLs, auth that forwarded headers cannot replace", async () => {
    const forwardHeaders = {
      Authorization: "Bearer stolen",
      "OpenAI-Beta": "x",
      "Content-Length": "1",
    };
    const { value } = await openAiAdapter.buildRequest(request({ forwardHeaders }), target(null));
    expect(value.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(value.method).toBe("POST");
    expect(value.headers).toEqual({
      "openai-beta": "x",
      "content-type": "application/json",
      authorization: "Bearer sk-test-123",
    });
    expect(JSON.parse(value.body).model).toBe("gpt-4o-mini");
    const custom = await openAiAdapter.buildRequest(request(), target("http://127.0.0.1:8090/v1/"));
    expect(custom.value.url).toBe("http://127.0.0.1:8090/v1/chat/completions");
  });

  test("buildPassthrough keeps the body byte for byte; embeddings have their own path", async () => {
    const body =
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"seed":1.50,"x":  true}';
    const call = await openAiAdapter.buildPassthrough?.(body, true, target(null), {});
    expect(call?.body).toBe(body);
    expect(call?.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(call?.headers.authorization).toBe("Bearer sk-test-123");
    const embeddings = await openAiAdapter.buildEmbeddings?.('{"input":"a"}', target(null));
    expect(embeddings?.url).toBe("https://api.openai.com/v1/embeddings");
    expect(embeddings?.body).toBe('{"input":"a"}');
  });
});
