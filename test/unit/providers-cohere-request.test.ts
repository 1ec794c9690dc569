// Canonical requests → Cohere Chat v2 calls: URL and auth, messages, tools and tool choice,
// sampling, JSON, thinking, documents; what Cohere cannot carry dropped with one warning each.
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget } from "../../dataplane/providers/adapter.ts";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import { canonicalRequest } from "./providers-cohere-helpers.ts";

function target(model = "command-a-03-2025", baseUrl: string | null = null): AdapterTarget {
  return {
    provider: {
      id: "p1",
      orgId: "o1",
      name: "cohere",
      vendor: "cohere",
      baseUrl,
      credential: "co-secret",
      options: {},
    },
    model,
  };
}

async function build(overrides: Partial<CanonicalRequest>, model?: string) {
  const { value, warnings } = await cohereAdapter.buildRequest(
    canonicalRequest(overrides),
    target(model),
  );
  return { call: value, body: JSON.parse(value.body) as Record<string, unknown>, warnings };
}

const weather = {
  name: "weather",
  description: "Weather in a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("cohereAdapter.buildRequest", () => {
  test("POST {base}/chat with a bearer token; the default base is api.cohere.com/v2", async () => {
    const { call, body, warnings } = await build({ stream: true });
    expect(call.url).toBe("https://api.cohere.com/v2/chat");
    expect(call.method).toBe("POST");
    expect(call.headers).toEqual({
      authorization: "Bearer co-secret",
      "content-type": "application/json",
    });
    expect(body).toEqual({
      model: "command-a-03-2025",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    expect(warnings).toEqual([]);
    const proxied = await cohereAdapter.buildRequest(
      canonicalRequest(),
      target("command-r", "http://127.0.0.1:9/v2/"),
    );
    expect(proxied.value.url).toBe("http://127.0.0.1:9/v2/chat");
  });

  test("a conversation: system, thinking and tool calls back, tool results before user text", async () => {
    const { body, warnings } = await build({
      system: [{ text: "Be brief.", cacheControl: { type: "ephemeral" } }, { text: "Use metric." }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "Call the tool.", signature: "sig", origin: "claude" },
            { type: "text", text: "Let me check." },
            { type: "tool-use", id: "weather_1", name: "weather", input: { city: "Oslo" } },
            { type: "tool-use", id: "clock_2", name: "clock", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "weather_1",
              content: [{ type: "text", text: "4°C" }],
            },
            {
              type: "tool-result",
              toolUseId: "clock_2",
              content: [{ type: "text", text: "09:00" }],
            },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: "system",
        content: [
          { type: "text", text: "Be brief." },
          { type: "text", text: "Use metric." },
        ],
      },
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Call the tool." },
          { type: "text", text: "Let me check." },
        ],
        tool_calls: [
          {
            id: "weather_1",
            type: "function",
            function: { name: "weather", arguments: '{"city":"Oslo"}' },
          },
          { id: "clock_2", type: "function", function: { name: "clock", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "weather_1", content: "4°C" },
      { role: "tool", tool_call_id: "clock_2", content: "09:00" },
      { role: "user", content: "And tomorrow?" },
    ]);
    // Cohere takes the thinking text; the signature it cannot verify is dropped, and said so.
    expect(warnings.map((warning) => `${warning.type}:${warning.subject}`)).toEqual([
      "foreign-signature:thinking",
    ]);
  });

  test("images are dropped with a warning each: Cohere has no vision", async () => {
    const { body, warnings } = await build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
          ],
        },
        { role: "assistant", content: [{ type: "tool-use", id: "t1", name: "look", input: {} }] },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "t1",
              isError: true,
              content: [
                { type: "text", text: "failed" },
                { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AA==" } },
              ],
            },
          ],
        },
        { role: "assistant", content: [{ type: "redacted-thinking", data: "opaque" }] },
        { role: "user", content: [{ type: "image", source: { kind: "file", fileId: "file_1" } }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: "What is this?" },
      {
        role: "assistant",
        tool_calls: [{ id: "t1", type: "function", function: { name: "look", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t1", content: "failed" },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "image",
      "tool-result.image",
      "tool-result.is_error",
      "redacted-thinking",
      "image",
    ]);
    expect(warnings[0]?.message).toContain("no vision");
  });

  test("text documents go to `documents`; URL and PDF documents are dropped with a warning", async () => {
    const text = Buffer.from("Revenue grew 12%.").toString("base64");
    const { body, warnings } = await build({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              title: "report.txt",
              source: { kind: "base64", mediaType: "text/plain", data: text },
            },
            { type: "document", source: { kind: "url", url: "https://example.com/a.pdf" } },
            {
              type: "document",
              source: { kind: "base64", mediaType: "application/pdf", data: "JVBE" },
            },
            { type: "text", text: "Summarize." },
          ],
        },
      ],
    });
    expect(body.documents).toEqual([{ data: { text: "Revenue grew 12%.", title: "report.txt" } }]);
    expect(body.messages).toEqual([{ role: "user", content: "Summarize." }]);
    expect(warnings.map((warning) => [warning.subject, warning.message])).toEqual([
      ["document", "Cohere documents are inline text only; a document by URL was dropped"],
      ["document", "Cohere documents are inline text only; a application/pdf document was dropped"],
    ]);
  });

  test("tools and tool choice: auto is absent, required and none in capitals, a named tool forced", async () => {
    const clock = { name: "clock", inputSchema: { type: "object", properties: {} }, strict: true };
    const auto = await build({ tools: [weather], toolChoice: { type: "auto" } });
    expect(auto.body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "weather",
          description: "Weather in a city",
          parameters: weather.inputSchema,
        },
      },
    ]);
    expect(auto.body.tool_choice).toBeUndefined();
    expect(auto.body.strict_tools).toBeUndefined();
    expect(
      (await build({ tools: [weather], toolChoice: { type: "required" } })).body.tool_choice,
    ).toBe("REQUIRED");
    expect((await build({ tools: [weather], toolChoice: { type: "none" } })).body.tool_choice).toBe(
      "NONE",
    );
    const named = await build({
      tools: [weather, clock],
      toolChoice: { type: "tool", name: "clock" },
    });
    expect(named.body.tool_choice).toBe("REQUIRED");
    expect(
      (named.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
    ).toEqual(["clock"]);
    expect(named.body.strict_tools).toBe(true);
    const serial = await build({ tools: [weather], toolChoice: { type: "auto", parallel: false } });
    expect(serial.warnings.map((warning) => warning.subject)).toEqual(["parallel_tool_calls"]);
  });

  test("sampling: p, k, penalties, stop sequences; out-of-range values clamped with a warning", async () => {
    const { body, warnings } = await build({
      maxTokens: 300,
      temperature: 0.2,
      topP: 1,
      topK: 40,
      presencePenalty: 0.5,
      frequencyPenalty: 1.5,
      stopSequences: ["a", "b", "c", "d", "e", "f"],
    });
    expect(body).toMatchObject({
      max_tokens: 300,
      temperature: 0.2,
      p: 0.99,
      k: 40,
      presence_penalty: 0.5,
      frequency_penalty: 1,
      stop_sequences: ["a", "b", "c", "d", "e"],
    });
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "top_p",
      "frequency_penalty",
      "stop_sequences",
    ]);
  });

  test("response format: json_object, with json_schema when a schema is given", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    expect((await build({ responseFormat: { type: "json" } })).body.response_format).toEqual({
      type: "json_object",
    });
    expect(
      (await build({ responseFormat: { type: "json-schema", name: "answer", schema } })).body
        .response_format,
    ).toEqual({ type: "json_object", json_schema: schema });
    expect(
      (await build({ responseFormat: { type: "text" } })).body.response_format,
    ).toBeUndefined();
  });

  test("thinking: a budget on reasoning models, dropped with a warning on the others", async () => {
    const reasoning = "command-a-reasoning-08-2025";
    expect(
      (await build({ thinking: { enabled: true, budgetTokens: 2000 } }, reasoning)).body.thinking,
    ).toEqual({
      type: "enabled",
      token_budget: 2000,
    });
    expect(
      (await build({ thinking: { enabled: true, effort: "low" } }, reasoning)).body.thinking,
    ).toEqual({
      type: "enabled",
      token_budget: 1024,
    });
    expect((await build({ thinking: { enabled: false } }, reasoning)).body.thinking).toEqual({
      type: "disabled",
    });
    const plain = await build({ thinking: { enabled: true, budgetTokens: 2000 } });
    expect(plain.body.thinking).toBeUndefined();
    expect(plain.warnings.map((warning) => warning.subject)).toEqual(["thinking"]);
    expect((await build({ thinking: { enabled: false } })).warnings).toEqual([]);
  });

  test("OpenAI-only fields and the end user are dropped with one warning each", async () => {
    const { body, warnings } = await build({
      openAiOnly: { seed: 7, logprobs: true, n: 1 },
      user: "end-user-1",
      forwardHeaders: { "anthropic-beta": "x" },
    });
    expect(body.seed).toBeUndefined();
    expect(body.user).toBeUndefined();
    expect(warnings.map((warning) => [warning.type, warning.subject])).toEqual([
      ["unsupported-field", "seed"],
      ["unsupported-field", "logprobs"],
      ["unsupported-field", "n"],
      ["unsupported-field", "user"],
    ]);
    expect(warnings[0]?.message).toBe("seed is not supported by Cohere; dropped");
  });
});
