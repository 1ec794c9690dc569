// How signatures travel to a client and back on each surface (issue 16): Claude's bare, every
// other family's sealed with its origin; the official SDKs keep what the gateway sent so the
// client's next request gives each vendor back its own; the fast paths take out what the
// upstream would refuse.
import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { responseEvents } from "#shared/canonical/response-events.ts";
import { anthropicBinding } from "../../dataplane/surfaces/anthropic/binding.ts";
import { anthropicSurface } from "../../dataplane/surfaces/anthropic/index.ts";
import { openAiBinding } from "../../dataplane/surfaces/openai/binding.ts";
import { openAiSurface } from "../../dataplane/surfaces/openai/index.ts";
import type { SurfaceRenderOptions } from "../../dataplane/surfaces/surface.ts";

const options: SurfaceRenderOptions = {
  requestedModel: "@default",
  servedModel: "gemini-3-pro-preview",
  includeUsage: false,
  estimatedInputTokens: 9,
};

const CLAUDE = "EqQBCkYICxgCKkCoxqLHLrx4mFL9Ox7/aHKh+/==";
const GEMINI = "EtoFCtcFAb4+9vtfe4MXRxQjw48U1WKrR/7lYsgFkVi";
const GEMINI_CALL = "Eqo+Cqc+Ab4+9vtgONaaz6qwy6WXdp7gCd2w0X";

const content: AssistantContent[] = [
  { type: "thinking", text: "Gemini thought.", signature: GEMINI, origin: "gemini" },
  { type: "thinking", text: "Claude thought.", signature: CLAUDE, origin: "claude" },
  { type: "redacted-thinking", data: "T3BlbkFJ", origin: "openai" },
  { type: "thinking", text: "Unsigned thought." },
  { type: "text", text: "Checking.", signature: GEMINI, origin: "gemini" },
  {
    type: "tool-use",
    id: "call_1",
    name: "weather",
    input: { city: "Oslo" },
    signature: GEMINI_CALL,
    origin: "gemini",
  },
];

const response: CanonicalResponse = {
  id: "resp_1",
  model: "gemini-3-pro-preview",
  content,
  stopReason: "tool_use",
  usage: {
    inputTokens: 5,
    outputTokens: 7,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 3,
  },
};

async function* eventsOf(canonical: CanonicalResponse) {
  yield* responseEvents(canonical);
}

type Body = ConstructorParameters<typeof Response>[0];

function answering(body: () => Body, contentType: string) {
  return async () => new Response(body(), { headers: { "content-type": contentType } });
}

const anthropicSdk = (body: () => Body, contentType: string) =>
  new Anthropic({
    apiKey: "mlx_sk_test",
    baseURL: "http://modelux.test/anthropic",
    maxRetries: 0,
    fetch: answering(body, contentType),
  });

const openAiSdk = (body: () => Body, contentType: string) =>
  new OpenAI({
    apiKey: "mlx_sk_test",
    baseURL: "http://modelux.test/openai/v1",
    maxRetries: 0,
    fetch: answering(body, contentType),
  });

const codes = (warnings: Array<{ type: string; subject: string }> | undefined) =>
  (warnings ?? []).map((warning) => `${warning.type}:${warning.subject}`);

describe("Anthropic surface", () => {
  const params = {
    model: "@default",
    max_tokens: 100,
    messages: [{ role: "user" as const, content: "hi" }],
  };
  const expectedBlocks = [
    { type: "thinking", thinking: "Gemini thought.", signature: `mlx:v1:gemini:${GEMINI}` },
    { type: "thinking", thinking: "Claude thought.", signature: CLAUDE },
    { type: "redacted_thinking", data: "mlx:v1:openai:T3BlbkFJ" },
    { type: "thinking", thinking: "Unsigned thought.", signature: "" },
  ];

  test("plain and streamed, Claude's signature is bare and the others are sealed", async () => {
    const plain = await anthropicSdk(
      () => JSON.stringify(anthropicSurface.renderResponse(response, options)),
      "application/json",
    ).messages.create(params);
    expect(plain.content.slice(0, 4)).toEqual(expectedBlocks as never);
    const streamed = await anthropicSdk(
      () => anthropicSurface.renderStream(eventsOf(response), options),
      "text/event-stream",
    )
      .messages.stream(params)
      .finalMessage();
    expect(streamed.content.slice(0, 4)).toEqual(expectedBlocks as never);
  });

  test("what the client sends back opens to each signature's bytes and origin", () => {
    const { value } = anthropicSurface.parseRequest(
      {
        model: "@default",
        max_tokens: 100,
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [...expectedBlocks, { type: "text", text: "Checking." }] },
          { role: "user", content: "more" },
        ],
      },
      new Headers(),
    );
    expect(value.messages[1]?.content).toEqual([
      { type: "thinking", text: "Gemini thought.", signature: GEMINI, origin: "gemini" },
      { type: "thinking", text: "Claude thought.", signature: CLAUDE, origin: "claude" },
      { type: "redacted-thinking", data: "T3BlbkFJ", origin: "openai" },
      { type: "thinking", text: "Unsigned thought." },
      { type: "text", text: "Checking." },
    ]);
  });

  test("the fast path to Anthropic takes out thinking Claude did not sign, and unseals Claude's", () => {
    const prepared = anthropicBinding.passthroughBody(
      {
        model: "@default",
        max_tokens: 100,
        messages: [
          { role: "user", content: "hi" },
          {
            role: "assistant",
            content: [
              ...expectedBlocks,
              {
                type: "thinking",
                thinking: "Sealed Claude.",
                signature: `mlx:v1:claude:${CLAUDE}`,
              },
              { type: "text", text: "Checking." },
            ],
          },
          { role: "user", content: "more" },
        ],
      },
      "claude-sonnet-4-5",
      false,
    );
    expect(JSON.parse(prepared.body).messages[1].content).toEqual([
      { type: "thinking", thinking: "Claude thought.", signature: CLAUDE },
      { type: "thinking", thinking: "Sealed Claude.", signature: CLAUDE },
      { type: "text", text: "Checking." },
    ]);
    expect(codes(prepared.warnings)).toEqual([
      "foreign-signature:thinking",
      "foreign-signature:redacted-thinking",
      "unsupported-content:messages[1].content[3]",
    ]);
  });

  test("a body with only Claude's thinking goes up byte for byte", () => {
    const body = {
      model: "@default",
      max_tokens: 100,
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [expectedBlocks[1], { type: "text", text: "ok" }] },
        { role: "user", content: "more" },
      ],
    };
    const prepared = anthropicBinding.passthroughBody(body, "claude-sonnet-4-5", true);
    expect(prepared.body).toBe(JSON.stringify({ ...body, model: "claude-sonnet-4-5" }));
    expect(prepared.warnings).toBeUndefined();
  });
});

describe("OpenAI surface", () => {
  const messages = [{ role: "user" as const, content: "hi" }];
  const expectedThinking = [
    { type: "thinking", thinking: "Gemini thought.", signature: `mlx:v1:gemini:${GEMINI}` },
    { type: "thinking", thinking: "Claude thought.", signature: CLAUDE },
    { type: "redacted_thinking", data: "mlx:v1:openai:T3BlbkFJ" },
    { type: "thinking", thinking: "Unsigned thought." },
  ];

  function expectGatewayFields(message: Record<string, unknown>) {
    expect(message["mlx:thinking"]).toEqual(expectedThinking);
    expect(message["mlx:signature"]).toBe(`mlx:v1:gemini:${GEMINI}`);
    const calls = message.tool_calls as Array<Record<string, unknown>>;
    expect(calls[0]?.["mlx:signature"]).toBe(`mlx:v1:gemini:${GEMINI_CALL}`);
  }

  test("the SDK keeps the gateway's fields, plain and accumulated from a stream", async () => {
    const plain = await openAiSdk(
      () => JSON.stringify(openAiSurface.renderResponse(response, options)),
      "application/json",
    ).chat.completions.create({ model: "@default", messages });
    expectGatewayFields(plain.choices[0]?.message as never);
    const streamed = await openAiSdk(
      () => openAiSurface.renderStream(eventsOf(response), options),
      "text/event-stream",
    )
      .chat.completions.stream({ model: "@default", messages })
      .finalChatCompletion();
    expectGatewayFields(streamed.choices[0]?.message as never);
  });

  test("the message sent back as it came gives the canonical content back, origins included", async () => {
    const completion = await openAiSdk(
      () => JSON.stringify(openAiSurface.renderResponse(response, options)),
      "application/json",
    ).chat.completions.create({ model: "@default", messages });
    const { value } = openAiSurface.parseRequest(
      {
        model: "@default",
        messages: [...messages, completion.choices[0]?.message, { role: "user", content: "more" }],
      },
      new Headers(),
    );
    expect(value.messages[1]?.content).toEqual(content);
  });

  test("a gateway field of the wrong shape is a 400 naming it", () => {
    expect(() =>
      openAiSurface.parseRequest(
        {
          model: "@default",
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "ok", "mlx:thinking": [{ type: "thinking" }] },
          ],
        },
        new Headers(),
      ),
    ).toThrow(/mlx:thinking/);
  });

  test("the fast path to an OpenAI-family upstream takes the gateway's fields out", async () => {
    const completion = await openAiSdk(
      () => JSON.stringify(openAiSurface.renderResponse(response, options)),
      "application/json",
    ).chat.completions.create({ model: "@default", messages });
    const body = {
      model: "@default",
      messages: [...messages, completion.choices[0]?.message, { role: "user", content: "more" }],
    };
    const prepared = openAiBinding.passthroughBody(body, "gpt-4o-mini", false);
    const sent = JSON.parse(prepared.body);
    expect(prepared.body).not.toContain("mlx:");
    expect(sent.messages[1].content).toBe("Checking.");
    expect(sent.messages[1].tool_calls[0]).toEqual({
      id: "call_1",
      type: "function",
      function: { name: "weather", arguments: '{"city":"Oslo"}' },
    });
    expect(codes(prepared.warnings)).toEqual([
      "unsupported-content:assistant.thinking",
      "foreign-signature:text",
      "foreign-signature:tool-use",
    ]);
    // Nothing of the gateway's in the body: it goes up as it came.
    const plain = { model: "@default", messages };
    expect(openAiBinding.passthroughBody(plain, "gpt-4o-mini", false)).toEqual({
      body: JSON.stringify({ ...plain, model: "gpt-4o-mini" }),
      clientWantsUsage: true,
    });
  });
});
