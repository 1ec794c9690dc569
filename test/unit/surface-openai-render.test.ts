// What the OpenAI surface renders is what the official `openai` SDK parses: the SDK is pointed
// at a fetch that answers with the rendered response or stream.
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { openAiSurface } from "../../dataplane/surfaces/openai/index.ts";
import type { SurfaceRenderOptions } from "../../dataplane/surfaces/surface.ts";

const options: SurfaceRenderOptions = {
  requestedModel: "@default",
  servedModel: "claude-haiku-4-5",
  includeUsage: true,
  estimatedInputTokens: 9,
};

function sdkAnswering(
  body: () => ConstructorParameters<typeof Response>[0],
  contentType: string,
): OpenAI {
  return new OpenAI({
    apiKey: "mlx_sk_test",
    baseURL: "http://modelux.test/openai/v1",
    maxRetries: 0,
    fetch: async () => new Response(body(), { headers: { "content-type": contentType } }),
  });
}

async function* fromArray(events: CanonicalStreamEvent[]): AsyncGenerator<CanonicalStreamEvent> {
  for (const event of events) yield event;
}

const messages = [{ role: "user" as const, content: "hi" }];

describe("renderResponse", () => {
  const response: CanonicalResponse = {
    id: "msg_01ABC",
    model: "claude-haiku-4-5-20251001",
    content: [
      { type: "thinking", text: "hidden", signature: "s" },
      { type: "text", text: "Checking the weather." },
      { type: "tool-use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
    ],
    stopReason: "tool_use",
    usage: {
      inputTokens: 120,
      outputTokens: 30,
      cacheReadTokens: 100,
      cacheWriteTokens: 10,
      reasoningTokens: 12,
    },
  };

  test("a chat.completion the SDK reads: content, tool calls, finish reason, usage with details", async () => {
    const rendered = openAiSurface.renderResponse(response, options);
    const client = sdkAnswering(() => JSON.stringify(rendered), "application/json");
    const completion = await client.chat.completions.create({ model: "@default", messages });
    expect(completion.id).toBe("chatcmpl-msg_01ABC");
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("claude-haiku-4-5");
    expect(typeof completion.created).toBe("number");
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe("Checking the weather.");
    expect(choice?.message.refusal).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: "toolu_1",
        type: "function",
        function: { name: "weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(completion.usage).toEqual({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
  });

  test("finish reasons and refusals", () => {
    const finish = (stopReason: CanonicalResponse["stopReason"]) => {
      const rendered = openAiSurface.renderResponse(
        { ...response, content: [{ type: "text", text: "x" }], stopReason },
        options,
      ) as {
        choices: Array<{
          finish_reason: string;
          message: { content: string | null; refusal: string | null };
        }>;
      };
      return rendered.choices[0];
    };
    expect(finish("end_turn")?.finish_reason).toBe("stop");
    expect(finish("stop_sequence")?.finish_reason).toBe("stop");
    expect(finish("max_tokens")?.finish_reason).toBe("length");
    expect(finish("content_filter")?.finish_reason).toBe("content_filter");
    expect(finish("refusal")).toMatchObject({
      finish_reason: "stop",
      message: { content: null, refusal: "x" },
    });
    const openAiId = openAiSurface.renderResponse(
      { ...response, id: "chatcmpl-keep" },
      options,
    ) as { id: string };
    expect(openAiId.id).toBe("chatcmpl-keep");
  });
});

describe("renderStream", () => {
  const events: CanonicalStreamEvent[] = [
    { type: "message-start", id: "msg_02", model: "claude-haiku-4-5-20251001" },
    { type: "thinking-delta", index: 0, text: "thinking…" },
    { type: "signature-delta", index: 0, signature: "sig" },
    { type: "text-delta", index: 1, text: "Let me " },
    { type: "text-delta", index: 1, text: "check." },
    { type: "tool-call-start", index: 2, id: "toolu_a", name: "weather" },
    { type: "tool-call-delta", index: 2, argumentsDelta: '{"city":' },
    { type: "tool-call-delta", index: 2, argumentsDelta: '"Paris"}' },
    { type: "tool-call-end", index: 2 },
    { type: "tool-call-start", index: 3, id: "toolu_b", name: "time" },
    { type: "tool-call-delta", index: 3, argumentsDelta: "{}" },
    { type: "tool-call-end", index: 3 },
    { type: "usage", usage: { inputTokens: 50, cacheReadTokens: 0 } },
    { type: "usage", usage: { outputTokens: 20, reasoningTokens: 5 } },
    { type: "message-end", stopReason: "tool_use" },
  ];

  test("chunks the SDK streams and its helper assembles", async () => {
    const client = sdkAnswering(
      () => openAiSurface.renderStream(fromArray(events), options),
      "text/event-stream",
    );
    const stream = await client.chat.completions.create({
      model: "@default",
      messages,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(
      chunks.every((chunk) => chunk.id === "chatcmpl-msg_02" && chunk.model === "claude-haiku-4-5"),
    ).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Let me check.");
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: 50,
      completion_tokens: 20,
      total_tokens: 70,
      completion_tokens_details: { reasoning_tokens: 5 },
    });

    const helperClient = sdkAnswering(
      () => openAiSurface.renderStream(fromArray(events), options),
      "text/event-stream",
    );
    const runner = helperClient.chat.completions.stream({ model: "@default", messages });
    const completion = await runner.finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe("Let me check.");
    expect(
      message?.tool_calls?.map(
        (call) =>
          call.type === "function" && [call.id, call.function.name, call.function.arguments],
      ),
    ).toEqual([
      ["toolu_a", "weather", '{"city":"Paris"}'],
      ["toolu_b", "time", "{}"],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
  });

  test("no usage chunk unless asked; [DONE] ends the stream", async () => {
    const text = await new Response(
      openAiSurface.renderStream(fromArray(events), { ...options, includeUsage: false }),
    ).text();
    expect(text).not.toContain('"usage"');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(
      text
        .split("\n\n")
        .filter(Boolean)
        .every((line) => line.startsWith("data: ")),
    ).toBe(true);
  });

  test("an error event ends the stream with an OpenAI error line the SDK raises", async () => {
    const failing: CanonicalStreamEvent[] = [
      { type: "message-start", id: "m", model: "x" },
      { type: "text-delta", index: 0, text: "Hel" },
      { type: "error", code: "overloaded", message: "anthropic: Overloaded" },
      { type: "text-delta", index: 0, text: "never sent" },
    ];
    const text = await new Response(openAiSurface.renderStream(fromArray(failing), options)).text();
    const lines = text.split("\n\n").filter(Boolean);
    expect(JSON.parse(lines[lines.length - 1]?.slice(6) ?? "")).toEqual({
      error: {
        type: "upstream_error",
        message: "anthropic: Overloaded",
        code: "upstream_error",
        param: null,
      },
    });
    expect(text).not.toContain("never sent");
    expect(text).not.toContain("[DONE]");

    const client = sdkAnswering(
      () => openAiSurface.renderStream(fromArray(failing), options),
      "text/event-stream",
    );
    const stream = await client.chat.completions.create({
      model: "@default",
      messages,
      stream: true,
    });
    let received = "";
    const consume = async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? "";
    };
    await expect(consume()).rejects.toThrow("anthropic: Overloaded");
    expect(received).toBe("Hel");
  });

  test("events that stop without message-end, or a throwing source, end with an error line", async () => {
    const cut = await new Response(
      openAiSurface.renderStream(fromArray([{ type: "text-delta", index: 0, text: "a" }]), options),
    ).text();
    expect(cut).toContain('"error":{"type":"upstream_error"');
    async function* throwing(): AsyncGenerator<CanonicalStreamEvent> {
      yield { type: "text-delta", index: 0, text: "a" };
      throw new Error("secret internals");
    }
    const thrown = await new Response(openAiSurface.renderStream(throwing(), options)).text();
    expect(thrown).toContain('"message":"internal error"');
    expect(thrown).not.toContain("secret internals");
  });

  test("cancelling the rendered stream stops the event source", async () => {
    let finished = false;
    async function* endless(): AsyncGenerator<CanonicalStreamEvent> {
      try {
        for (let index = 0; ; index++) yield { type: "text-delta", index: 0, text: `${index} ` };
      } finally {
        finished = true;
      }
    }
    const reader = openAiSurface.renderStream(endless(), options).getReader();
    await reader.read();
    await reader.cancel();
    expect(finished).toBe(true);
  });
});

test("a text delta's chunk is the JSON of its delta, whatever the text holds", async () => {
  const texts = ['say "hi"', "line\nbreak\\", "ünïcødé ✓ 🎉", "\u2028\u0000</script>"];
  const events: CanonicalStreamEvent[] = [
    { type: "message-start", id: "msg_1", model: "m" },
    ...texts.map((text): CanonicalStreamEvent => ({ type: "text-delta", index: 0, text })),
    { type: "message-end", stopReason: "end_turn" },
  ];
  const body = await new Response(openAiSurface.renderStream(fromArray(events), options)).text();
  const chunks = body
    .split("\n\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => line.slice("data: ".length));
  // After the role chunk, one chunk per text, byte for byte what JSON.stringify writes.
  for (const [index, text] of texts.entries()) {
    const chunk = JSON.parse(chunks[index + 1] as string);
    expect(chunk.choices).toEqual([
      { index: 0, delta: { content: text }, logprobs: null, finish_reason: null },
    ]);
    expect(chunks[index + 1]).toBe(JSON.stringify(chunk));
  }
});
