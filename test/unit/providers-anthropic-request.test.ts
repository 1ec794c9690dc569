// The canonical request → Anthropic's HTTP call: URL, headers, and a body built as the Messages
// API wants it (cache_control placement, signatures, merged turns, defaults, what is dropped).
import { describe, expect, test } from "bun:test";
import type { CanonicalMessage } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { AdapterTarget } from "../../dataplane/providers/adapter.ts";
import { anthropicApi } from "../../dataplane/providers/anthropic/api.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { canonicalRequest } from "../support/canonical-request.ts";
import { RECORDINGS, readJson } from "./providers-anthropic-helpers.ts";

const target = (model = "claude-sonnet-4-5", baseUrl: string | null = null): AdapterTarget => ({
  model,
  provider: {
    id: "p1",
    orgId: "o1",
    name: "anthropic",
    vendor: "anthropic",
    baseUrl,
    credential: "sk-ant-secret",
    options: {},
  },
});

function request(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest({
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    ...overrides,
  });
}

async function build(overrides: Partial<CanonicalRequest> = {}, model?: string) {
  const { value, warnings } = await anthropicAdapter.buildRequest(
    request(overrides),
    target(model),
  );
  return { call: value, body: JSON.parse(value.body), warnings };
}

const subjects = (warnings: Array<{ subject: string }>) =>
  warnings.map((warning) => warning.subject);

describe("the call", () => {
  test("URL, auth, version and the documented max_tokens default", async () => {
    const { call, body, warnings } = await build();
    expect(call.url).toBe("https://api.anthropic.com/v1/messages");
    expect(call.method).toBe("POST");
    expect(call.headers).toEqual({
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
      "x-api-key": "sk-ant-secret",
    });
    expect(body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    });
    expect(warnings).toEqual([]);
    expect(anthropicApi.headers("k")).toEqual({
      "x-api-key": "k",
      "anthropic-version": "2023-06-01",
    });
  });

  test("anthropic-beta and anthropic-version are forwarded verbatim; the key cannot be replaced", async () => {
    const forwardHeaders = {
      "anthropic-beta": "prompt-caching-2024-07-31,files-api-2025-04-14",
      "Anthropic-Version": "2023-01-01",
      "x-api-key": "sk-ant-client",
    };
    const { value } = await anthropicAdapter.buildRequest(
      request({ forwardHeaders }),
      target("claude-x", "http://sim:8090/v1/"),
    );
    expect(value.url).toBe("http://sim:8090/v1/messages");
    expect(value.headers).toEqual({
      "anthropic-beta": "prompt-caching-2024-07-31,files-api-2025-04-14",
      "anthropic-version": "2023-01-01",
      "content-type": "application/json",
      "x-api-key": "sk-ant-secret",
    });
  });

  test("buildPassthrough sends the client's body unchanged", async () => {
    const body =
      '{"model":"claude-haiku-4-5","max_tokens":5,"messages":[],"unknown_field":{"a":1}}';
    const call = await anthropicAdapter.buildPassthrough?.(body, true, target(), {
      "anthropic-beta": "x",
    });
    expect(call).toEqual({
      url: "https://api.anthropic.com/v1/messages",
      method: "POST",
      headers: {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "x",
        "content-type": "application/json",
        "x-api-key": "sk-ant-secret",
      },
      body,
    });
  });
});

describe("cache_control placement", () => {
  test("on system blocks, tools, and every kind of content block", async () => {
    const ephemeral = { type: "ephemeral" as const };
    const hour = { type: "ephemeral" as const, ttl: "1h" as const };
    const { body } = await build({
      system: [{ text: "You are terse." }, { text: "Long shared context.", cacheControl: hour }],
      tools: [
        { name: "weather", inputSchema: { type: "object", properties: {} } },
        { name: "time", description: "Now", inputSchema: {}, cacheControl: ephemeral },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Look:", cacheControl: ephemeral },
            {
              type: "image",
              source: { kind: "url", url: "https://x.test/a.png" },
              cacheControl: ephemeral,
            },
            {
              type: "document",
              source: { kind: "file", fileId: "file_1" },
              title: "Spec",
              cacheControl: hour,
            },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "tool-use", id: "toolu_1", name: "time", input: {}, cacheControl: ephemeral },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "toolu_1",
              content: [{ type: "text", text: "noon" }],
              cacheControl: ephemeral,
            },
          ],
        },
      ],
    });
    expect(body.system).toEqual([
      { type: "text", text: "You are terse." },
      {
        type: "text",
        text: "Long shared context.",
        cache_control: { type: "ephemeral", ttl: "1h" },
      },
    ]);
    expect(body.tools).toEqual([
      { name: "weather", input_schema: { type: "object", properties: {} } },
      {
        name: "time",
        description: "Now",
        input_schema: { type: "object" },
        cache_control: { type: "ephemeral" },
      },
    ]);
    expect(body.messages[0].content).toEqual([
      { type: "text", text: "Look:", cache_control: { type: "ephemeral" } },
      {
        type: "image",
        source: { type: "url", url: "https://x.test/a.png" },
        cache_control: { type: "ephemeral" },
      },
      {
        type: "document",
        source: { type: "file", file_id: "file_1" },
        title: "Spec",
        cache_control: { type: "ephemeral", ttl: "1h" },
      },
    ]);
    expect(body.messages[1].content[0].cache_control).toEqual({ type: "ephemeral" });
    expect(body.messages[2].content[0]).toEqual({
      type: "tool_result",
      tool_use_id: "toolu_1",
      content: [{ type: "text", text: "noon" }],
      cache_control: { type: "ephemeral" },
    });
  });
});

describe("content", () => {
  test("a thinking signature read from a recording goes back byte for byte", async () => {
    const parsed = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-clear-thinking.1.json"),
    );
    const recorded = parsed.value.content[0];
    if (recorded?.type !== "thinking" || !recorded.signature)
      throw new Error("no thinking in the recording");
    const { call, body } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "What is 925 / 5?" }] },
        { role: "assistant", content: parsed.value.content },
        { role: "user", content: [{ type: "text", text: "Thanks" }] },
      ],
    });
    expect(body.messages[1].content).toEqual([
      { type: "thinking", thinking: "925 divided by 5 = 185", signature: recorded.signature },
      { type: "text", text: "925 ÷ 5 = 185" },
    ]);
    expect(call.body).toContain(JSON.stringify(recorded.signature));
  });

  test("redacted thinking goes back; thinking without a signature cannot", async () => {
    const { body, warnings } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "Hi" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "from another vendor" },
            { type: "redacted-thinking", data: "opaque==", origin: "claude" },
            { type: "text", text: "Hello" },
          ],
        },
      ],
    });
    expect(body.messages[1].content).toEqual([
      { type: "redacted_thinking", data: "opaque==" },
      { type: "text", text: "Hello" },
    ]);
    expect(subjects(warnings)).toEqual(["messages[1].content[0]"]);
  });

  test("tool results carry text and images and is_error", async () => {
    const { body } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "Screenshot?" }] },
        {
          role: "assistant",
          content: [{ type: "tool-use", id: "toolu_1", name: "shot", input: { full: true } }],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "toolu_1",
              isError: true,
              content: [
                { type: "text", text: "partial capture" },
                {
                  type: "image",
                  source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(body.messages[2].content[0]).toEqual({
      type: "tool_result",
      tool_use_id: "toolu_1",
      content: [
        { type: "text", text: "partial capture" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
      ],
      is_error: true,
    });
  });

  test("consecutive turns of one role merge; tool results lead their turn; empty turns go", async () => {
    const messages: CanonicalMessage[] = [
      { role: "user", content: [{ type: "text", text: "one" }] },
      { role: "user", content: [{ type: "text", text: "two" }] },
      { role: "assistant", content: [{ type: "tool-use", id: "t1", name: "a", input: {} }] },
      { role: "assistant", content: [{ type: "tool-use", id: "t2", name: "b", input: {} }] },
      { role: "user", content: [{ type: "text", text: "and also" }] },
      { role: "user", content: [{ type: "tool-result", toolUseId: "t1", content: [] }] },
      { role: "user", content: [{ type: "tool-result", toolUseId: "t2", content: [] }] },
      { role: "assistant", content: [{ type: "text", text: "  " }] },
    ];
    const { body, warnings } = await build({ messages });
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "t1", name: "a", input: {} },
          { type: "tool_use", id: "t2", name: "b", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1" },
          { type: "tool_result", tool_use_id: "t2" },
          { type: "text", text: "and also" },
        ],
      },
    ]);
    expect(subjects(warnings)).toEqual(["messages[7]"]);
  });

  test("media: data URLs become base64, plain-text documents travel as text, odd types are dropped", async () => {
    const { body, warnings } = await build({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { kind: "url", url: "data:image/jpeg;base64,/9j/4AAQ" } },
            { type: "image", source: { kind: "base64", mediaType: "image/tiff", data: "SUkq" } },
            {
              type: "document",
              source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0x" },
            },
            {
              type: "document",
              source: { kind: "base64", mediaType: "text/plain", data: btoa("plain words") },
            },
            { type: "document", source: { kind: "url", url: "https://x.test/a.pdf" } },
            {
              type: "document",
              source: { kind: "base64", mediaType: "application/msword", data: "0M8R" },
            },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" },
      },
      { type: "document", source: { type: "text", media_type: "text/plain", data: "plain words" } },
      { type: "document", source: { type: "url", url: "https://x.test/a.pdf" } },
    ]);
    expect(subjects(warnings)).toEqual(["messages[0].content[1]", "messages[0].content[5]"]);
  });
});

describe("parameters", () => {
  test("OpenAI-only fields and penalties are dropped with one warning each", async () => {
    const { body, warnings } = await build({
      openAiOnly: { seed: 7, logprobs: true, n: 1 },
      presencePenalty: 0.5,
      frequencyPenalty: 0.1,
    });
    expect(body.seed).toBeUndefined();
    expect(subjects(warnings)).toEqual([
      "presence_penalty",
      "frequency_penalty",
      "seed",
      "logprobs",
      "n",
    ]);
    expect(warnings.every((warning) => warning.type === "unsupported-field")).toBe(true);
  });

  test("sampling, stop sequences, user, stream", async () => {
    const { body, warnings } = await build(
      { temperature: 0.3, topK: 40, stopSequences: ["END", " "], user: "user-42", stream: true },
      "claude-3-5-haiku-20241022",
    );
    expect(body).toMatchObject({
      temperature: 0.3,
      top_k: 40,
      stop_sequences: ["END"],
      metadata: { user_id: "user-42" },
      stream: true,
    });
    expect(subjects(warnings)).toEqual(["stop_sequences"]);
    const high = await build({ temperature: 1.6, topP: 0.9 });
    expect(high.body.temperature).toBe(1);
    expect(high.body.top_p).toBeUndefined();
    expect(subjects(high.warnings)).toEqual(["temperature", "top_p"]);
  });

  test("tool choice: auto without parallel calls, any, a named tool, none; nothing without tools", async () => {
    const tools = [{ name: "weather", inputSchema: { type: "object" } }];
    const choice = async (toolChoice: CanonicalRequest["toolChoice"], withTools = tools) =>
      (await build({ tools: withTools, toolChoice })).body.tool_choice;
    expect(await choice({ type: "auto", parallel: false })).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    expect(await choice({ type: "auto" })).toEqual({ type: "auto" });
    expect(await choice({ type: "required", parallel: true })).toEqual({ type: "any" });
    expect(await choice({ type: "tool", name: "weather" })).toEqual({
      type: "tool",
      name: "weather",
    });
    expect(await choice({ type: "none" })).toEqual({ type: "none" });
    expect(await choice({ type: "required" }, [])).toBeUndefined();
  });

  test("max_tokens: the caller's, lowered to the model's limit with a warning", async () => {
    expect((await build({ maxTokens: 300 })).body.max_tokens).toBe(300);
    const capped = await build({ maxTokens: 20000 }, "claude-3-5-haiku-20241022");
    expect(capped.body.max_tokens).toBe(8192);
    expect(subjects(capped.warnings)).toEqual(["max_tokens"]);
    expect((await build({}, "claude-3-haiku-20240307")).body.max_tokens).toBe(4096);
  });
});

describe("thinking", () => {
  test("effort maps to a budget; max_tokens leaves room for the answer", async () => {
    const { body } = await build({ thinking: { enabled: true, effort: "high" } });
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 16384 });
    expect(body.max_tokens).toBe(16384 + 4096);
    const medium = await build({ thinking: { enabled: true } });
    expect(medium.body.thinking).toEqual({ type: "enabled", budget_tokens: 8192 });
    const minimal = await build({ thinking: { enabled: true, effort: "minimal" } });
    expect(minimal.body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    const budget = await build({ thinking: { enabled: true, budgetTokens: 5000 } });
    expect(budget.body.thinking).toEqual({ type: "enabled", budget_tokens: 5000 });
    expect(
      (await build({ thinking: { enabled: false, budgetTokens: 5000 } })).body.thinking,
    ).toBeUndefined();
  });

  test("a budget at or over the caller's max_tokens is lowered; no room at all disables thinking", async () => {
    const lowered = await build({
      maxTokens: 3000,
      thinking: { enabled: true, budgetTokens: 8000 },
    });
    expect(lowered.body.thinking).toEqual({ type: "enabled", budget_tokens: 2999 });
    expect(subjects(lowered.warnings)).toEqual(["thinking.budget_tokens"]);
    const none = await build({ maxTokens: 900, thinking: { enabled: true } });
    expect(none.body.thinking).toBeUndefined();
    expect(subjects(none.warnings)).toContain("thinking");
  });

  test("thinking drops temperature and top_k, keeps top_p ≥ 0.95", async () => {
    const { body, warnings } = await build({
      thinking: { enabled: true },
      temperature: 0.2,
      topK: 5,
      topP: 0.97,
    });
    expect(body.temperature).toBeUndefined();
    expect(body.top_k).toBeUndefined();
    expect(body.top_p).toBe(0.97);
    expect(subjects(warnings)).toEqual(["temperature", "top_k"]);
  });

  test("a forced tool turns thinking off; models before 3.7 get none", async () => {
    const forced = await build({
      thinking: { enabled: true },
      tools: [{ name: "a", inputSchema: {} }],
      toolChoice: { type: "tool", name: "a" },
    });
    expect(forced.body.thinking).toBeUndefined();
    expect(subjects(forced.warnings)).toEqual(["thinking"]);
    const old = await build({ thinking: { enabled: true } }, "claude-3-5-sonnet-20241022");
    expect(old.body.thinking).toBeUndefined();
    expect(old.body.max_tokens).toBe(4096);
  });
});

describe("response formats", () => {
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

  test("a JSON schema uses structured outputs where the model has them", async () => {
    const { body, warnings } = await build({
      responseFormat: { type: "json-schema", name: "weather", schema },
    });
    expect(body.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(warnings).toEqual([]);
  });

  test("older models answer through a forced tool", async () => {
    const { body } = await build(
      {
        responseFormat: {
          type: "json-schema",
          name: "weather",
          schema,
          description: "The weather",
        },
      },
      "claude-3-5-haiku-20241022",
    );
    expect(body.tools).toEqual([
      { name: "modelux_json_response", description: "The weather", input_schema: schema },
    ]);
    expect(body.tool_choice).toEqual({ type: "tool", name: "modelux_json_response" });
    expect(body.output_config).toBeUndefined();
  });

  test("plain JSON mode is a system instruction, with a warning that it is not enforced", async () => {
    const { body, warnings } = await build({
      system: [{ text: "Be brief." }],
      responseFormat: { type: "json" },
    });
    expect(body.system).toHaveLength(2);
    expect(body.system[1].text).toContain("valid JSON");
    expect(warnings).toEqual([
      expect.objectContaining({ type: "lossy-conversion", subject: "response_format" }),
    ]);
    expect((await build({ responseFormat: { type: "text" } })).body.system).toBeUndefined();
  });
});
