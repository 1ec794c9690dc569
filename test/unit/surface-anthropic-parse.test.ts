// The Anthropic surface's request parser: strict on what Anthropic checks (errors name the
// field), accepting what it forwards on the fast path (server tools, new block types), and
// mapping everything else onto the canonical request.
import { describe, expect, test } from "bun:test";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { anthropicSurface } from "../../dataplane/surfaces/anthropic/index.ts";

const base = {
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hi" }],
};

function parse(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return anthropicSurface.parseRequest(body, new Headers(headers));
}

function failure(body: Record<string, unknown>): GatewayError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("valid requests", () => {
  test("the smallest request", () => {
    const { value, warnings } = parse(base);
    expect(value).toEqual({
      model: "claude-sonnet-4-5",
      system: [],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      tools: [],
      maxTokens: 1024,
      stream: false,
      openAiOnly: {},
      forwardHeaders: {},
    });
    expect(warnings).toEqual([]);
  });

  test("every field the canonical model carries", () => {
    const signature = "EqQBCgIYAhIM+sig/with==padding";
    const { value, warnings } = parse(
      {
        ...base,
        max_tokens: 4096,
        "mlx:tags": { team: "ml" },
        system: [
          { type: "text", text: "You are terse." },
          { type: "text", text: "Shared context", cache_control: { type: "ephemeral", ttl: "1h" } },
        ],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Look", cache_control: { type: "ephemeral" } },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
              { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
              {
                type: "document",
                source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
                title: "Spec",
              },
              {
                type: "document",
                source: { type: "text", media_type: "text/plain", data: "plain" },
              },
              { type: "document", source: { type: "file", file_id: "file_1" } },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "Think.", signature },
              { type: "redacted_thinking", data: "opaque" },
              { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
            ],
          },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "toolu_1",
                is_error: true,
                content: [
                  { type: "text", text: "down" },
                  { type: "image", source: { type: "file", file_id: "file_2" } },
                ],
              },
            ],
          },
        ],
        tools: [
          {
            name: "weather",
            description: "Weather",
            input_schema: { type: "object", properties: { city: { type: "string" } } },
            cache_control: { type: "ephemeral" },
          },
        ],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        thinking: { type: "enabled", budget_tokens: 1024 },
        temperature: 1,
        top_p: 0.99,
        top_k: 10,
        stop_sequences: ["END"],
        metadata: { user_id: "user-7" },
        output_config: { format: { type: "json_schema", schema: { type: "object" } } },
        stream: true,
      },
      {
        "anthropic-beta": "files-api-2025-04-14",
        "anthropic-version": "2023-06-01",
        "x-api-key": "mlx_sk_1",
      },
    );
    expect(warnings).toEqual([]);
    expect(value.system).toEqual([
      { text: "You are terse." },
      { text: "Shared context", cacheControl: { type: "ephemeral", ttl: "1h" } },
    ]);
    expect(value.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Look", cacheControl: { type: "ephemeral" } },
          { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBO" } },
          { type: "image", source: { kind: "url", url: "https://x.test/a.png" } },
          {
            type: "document",
            source: { kind: "base64", mediaType: "application/pdf", data: "JVBE" },
            title: "Spec",
          },
          {
            type: "document",
            source: { kind: "base64", mediaType: "text/plain", data: btoa("plain") },
          },
          { type: "document", source: { kind: "file", fileId: "file_1" } },
        ],
      },
      {
        role: "assistant",
        content: [
          // Bare signatures are Claude's (others come sealed: see the signature tests).
          { type: "thinking", text: "Think.", signature, origin: "claude" },
          { type: "redacted-thinking", data: "opaque", origin: "claude" },
          { type: "tool-use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolUseId: "toolu_1",
            isError: true,
            content: [
              { type: "text", text: "down" },
              { type: "image", source: { kind: "file", fileId: "file_2" } },
            ],
          },
        ],
      },
    ]);
    expect(value.tools).toEqual([
      {
        name: "weather",
        description: "Weather",
        inputSchema: { type: "object", properties: { city: { type: "string" } } },
        cacheControl: { type: "ephemeral" },
      },
    ]);
    expect(value).toMatchObject({
      toolChoice: { type: "required", parallel: false },
      thinking: { enabled: true, budgetTokens: 1024 },
      maxTokens: 4096,
      temperature: 1,
      topP: 0.99,
      topK: 10,
      stopSequences: ["END"],
      user: "user-7",
      responseFormat: { type: "json-schema", name: "response", schema: { type: "object" } },
      stream: true,
      forwardHeaders: {
        "anthropic-beta": "files-api-2025-04-14",
        "anthropic-version": "2023-06-01",
      },
    });
  });

  test("tool choices and thinking modes", () => {
    const choice = (tool_choice: unknown) => parse({ ...base, tool_choice }).value.toolChoice;
    expect(choice({ type: "auto" })).toEqual({ type: "auto" });
    expect(choice({ type: "auto", disable_parallel_tool_use: false })).toEqual({
      type: "auto",
      parallel: true,
    });
    expect(choice({ type: "tool", name: "weather" })).toEqual({ type: "tool", name: "weather" });
    expect(choice({ type: "none" })).toEqual({ type: "none" });
    const thinking = (body: Record<string, unknown>) => parse({ ...base, ...body }).value.thinking;
    expect(thinking({ thinking: { type: "adaptive" }, output_config: { effort: "max" } })).toEqual({
      enabled: true,
      effort: "high",
    });
    expect(thinking({ thinking: { type: "disabled" } })).toEqual({ enabled: false });
  });

  test("what translation would lose is accepted and warned about", () => {
    const { value, warnings } = parse({
      ...base,
      container: "container_1",
      service_tier: "auto",
      metadata: { user_id: "u", conversation_id: "c" },
      messages: [
        {
          role: "user",
          content: [{ type: "search_result", source: "s", title: "t", content: [] }],
        },
        {
          role: "assistant",
          content: [
            {
              type: "server_tool_use",
              id: "srvtoolu_1",
              name: "web_search",
              input: { query: "q" },
            },
            { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
            { type: "text", text: "Found it", citations: [{ type: "web_search_result_location" }] },
          ],
        },
        { role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] },
      ],
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 3 }],
    });
    expect(value.tools).toEqual([]);
    expect(value.messages[1]?.content).toEqual([{ type: "text", text: "Found it" }]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "container",
      "service_tier",
      "messages[0].content[0]",
      "messages[1].content[0]",
      "messages[1].content[1]",
      "messages[1].content[2].citations",
      "messages[2].content[0]",
      "tools[0]",
      "metadata.conversation_id",
    ]);
  });

  test("a system message inside messages joins the system prompt", () => {
    const { value, warnings } = parse({
      ...base,
      system: "First",
      messages: [
        { role: "user", content: "Hi" },
        { role: "system", content: "Be brief." },
      ],
    });
    expect(value.system).toEqual([{ text: "First" }, { text: "Be brief." }]);
    expect(value.messages).toHaveLength(1);
    expect(warnings.map((warning) => warning.subject)).toEqual(["messages[1].role"]);
  });

  test("a `__proto__` field is data, never a prototype", () => {
    const body = JSON.parse(
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}',
    );
    const { value, warnings } = parse(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(value.model).toBe("m");
    expect(warnings.map((warning) => warning.subject)).toEqual(["__proto__"]);
  });
});

describe("invalid requests name the field", () => {
  test.each([
    [
      { model: "m", messages: [{ role: "user", content: "x" }] },
      "max_tokens",
      "max_tokens: is required",
    ],
    [{ ...base, model: "" }, "model", undefined],
    [{ ...base, max_tokens: 0 }, "max_tokens", undefined],
    [{ ...base, max_tokens: 1.5 }, "max_tokens", undefined],
    [{ ...base, messages: [] }, "messages", undefined],
    [{ ...base, messages: [{ role: "bot", content: "x" }] }, "messages[0].role", undefined],
    [
      { ...base, messages: [{ role: "user", content: [{ type: "text" }] }] },
      "messages[0].content[0].text",
      "messages[0].content[0].text: is required",
    ],
    [
      {
        ...base,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/bmp", data: "x" } },
            ],
          },
        ],
      },
      "messages[0].content[0].source.media_type",
      undefined,
    ],
    [
      {
        ...base,
        messages: [{ role: "assistant", content: [{ type: "thinking", thinking: "t" }] }],
      },
      "messages[0].content[0].signature",
      undefined,
    ],
    [
      {
        ...base,
        messages: [
          { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: "s" }] },
        ],
      },
      "messages[0].content[0].input",
      undefined,
    ],
    [{ ...base, system: [{ type: "text" }] }, "system[0].text", undefined],
    [{ ...base, temperature: 1.5 }, "temperature", undefined],
    [{ ...base, top_k: -1 }, "top_k", undefined],
    [
      { ...base, thinking: { type: "enabled", budget_tokens: 500 } },
      "thinking.budget_tokens",
      undefined,
    ],
    [
      { ...base, thinking: { type: "enabled", budget_tokens: 2000 } },
      "max_tokens",
      "max_tokens: must be greater than thinking.budget_tokens",
    ],
    [{ ...base, tools: [{ name: "a" }] }, "tools[0].input_schema", undefined],
    [{ ...base, tools: [{ type: "custom", name: "a" }] }, "tools[0].input_schema", undefined],
    [
      { ...base, tools: [{ name: "a b", input_schema: { type: "object" } }] },
      "tools[0].name",
      undefined,
    ],
    [{ ...base, tool_choice: { type: "tool" } }, "tool_choice.name", undefined],
    [{ ...base, stop_sequences: "END" }, "stop_sequences", undefined],
    [{ ...base, metadata: { user_id: 5 } }, "metadata.user_id", undefined],
    [{ ...base, stream: "yes" }, "stream", undefined],
  ] as Array<[Record<string, unknown>, string, string | undefined]>)(
    "%j → %s",
    (body, param, message) => {
      const error = failure(body);
      expect(error.code).toBe("invalid_request");
      expect(error.status).toBe(400);
      expect(error.details.param).toBe(param);
      expect(error.message.startsWith(`${param}: `)).toBe(true);
      if (message) expect(error.message).toBe(message);
    },
  );
});
