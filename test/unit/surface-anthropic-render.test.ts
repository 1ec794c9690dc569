// What the Anthropic surface renders is what the official `@anthropic-ai/sdk` reads: the SDK is
// pointed at a fetch that answers with the rendered response, stream or error.
import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { anthropicSurface } from "../../dataplane/surfaces/anthropic/index.ts";
import type { SurfaceRenderOptions } from "../../dataplane/surfaces/surface.ts";
import {
  chunkLines,
  HAND_WRITTEN,
  RECORDINGS,
  readAll,
  splitMessages,
  sseBody,
} from "./providers-anthropic-helpers.ts";

const options: SurfaceRenderOptions = {
  requestedModel: "@default",
  servedModel: "claude-sonnet-4-5",
  includeUsage: true,
  estimatedInputTokens: 9,
};

function sdkAnswering(
  body: () => string | ReadableStream<Uint8Array>,
  contentType: string,
  status = 200,
): Anthropic {
  return new Anthropic({
    apiKey: "mlx_sk_test",
    baseURL: "http://modelux.test/anthropic",
    maxRetries: 0,
    fetch: async () => new Response(body(), { status, headers: { "content-type": contentType } }),
  });
}

async function* fromArray(events: CanonicalStreamEvent[]): AsyncGenerator<CanonicalStreamEvent> {
  for (const event of events) yield event;
}

const params = {
  model: "@default",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: "hi" }],
};

const response: CanonicalResponse = {
  id: "chatcmpl-123",
  model: "gpt-5-mini",
  content: [
    // Claude's signatures go out as they came (another family's: see "thinking signatures").
    { type: "thinking", text: "Let me check.", signature: "sig+/==", origin: "claude" },
    { type: "redacted-thinking", data: "opaque", origin: "claude" },
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

const expectedContent = [
  { type: "thinking", thinking: "Let me check.", signature: "sig+/==" },
  { type: "redacted_thinking", data: "opaque" },
  { type: "text", text: "Checking the weather." },
  { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
];

/** The events an adapter would emit for `response`, with the usage at the end as OpenAI sends it. */
function eventsOf(canonical: CanonicalResponse, usageFirst = false): CanonicalStreamEvent[] {
  const events: CanonicalStreamEvent[] = [
    { type: "message-start", id: canonical.id, model: canonical.model },
  ];
  if (usageFirst)
    events.push({ type: "usage", usage: { inputTokens: canonical.usage.inputTokens } });
  canonical.content.forEach((block, index) => {
    if (block.type === "text") events.push({ type: "text-delta", index, text: block.text });
    else if (block.type === "thinking") {
      events.push({ type: "thinking-delta", index, text: block.text });
      if (block.signature) {
        const signature = block.signature;
        const origin = block.origin ? { origin: block.origin } : {};
        // Split in two, as a vendor may stream it: the seal wraps the whole signature once.
        events.push({
          type: "signature-delta",
          index,
          signature: signature.slice(0, 3),
          ...origin,
        });
        events.push({ type: "signature-delta", index, signature: signature.slice(3), ...origin });
      }
    } else if (block.type === "redacted-thinking")
      events.push({
        type: "redacted-thinking",
        index,
        data: block.data,
        ...(block.origin ? { origin: block.origin } : {}),
      });
    else {
      events.push({ type: "tool-call-start", index, id: block.id, name: block.name });
      const json = JSON.stringify(block.input);
      events.push({ type: "tool-call-delta", index, argumentsDelta: json.slice(0, 5) });
      events.push({ type: "tool-call-delta", index, argumentsDelta: json.slice(5) });
      events.push({ type: "tool-call-end", index });
    }
  });
  events.push({ type: "usage", usage: canonical.usage });
  events.push({ type: "message-end", stopReason: canonical.stopReason });
  return events;
}

describe("renderResponse", () => {
  test("a Message the SDK reads: blocks, stop reason, usage split back", async () => {
    const rendered = anthropicSurface.renderResponse(response, options);
    const client = sdkAnswering(() => JSON.stringify(rendered), "application/json");
    const message = await client.messages.create(params);
    expect(message).toEqual({
      id: "msg_chatcmpl-123",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: expectedContent,
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 100,
        output_tokens: 30,
      },
    } as never);
  });

  test("stop reasons without an Anthropic twin, and stop sequences", () => {
    const render = (stopReason: CanonicalResponse["stopReason"], stopSequence?: string) =>
      anthropicSurface.renderResponse(
        { ...response, stopReason, ...(stopSequence && { stopSequence }) },
        options,
      ) as {
        stop_reason: string;
        stop_sequence: string | null;
      };
    expect(render("content_filter").stop_reason).toBe("refusal");
    expect(render("other").stop_reason).toBe("end_turn");
    expect(render("pause_turn").stop_reason).toBe("pause_turn");
    expect(render("stop_sequence", "END")).toMatchObject({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
  });
});

describe("renderStream", () => {
  test("the exact event sequence, one block at a time", async () => {
    const text = await readAll(
      anthropicSurface.renderStream(fromArray(eventsOf(response, true)), options),
    );
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(names).toEqual([
      "message_start",
      ...[
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
      ],
      ...["content_block_start", "content_block_stop"],
      ...["content_block_start", "content_block_delta", "content_block_stop"],
      ...[
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
      ],
      "message_delta",
      "message_stop",
    ]);
    expect(text).toContain('"usage":{"input_tokens":120,');
  });

  test("the SDK accumulates the canonical response, usage arriving first or last", async () => {
    for (const usageFirst of [true, false]) {
      const client = sdkAnswering(
        () => anthropicSurface.renderStream(fromArray(eventsOf(response, usageFirst)), options),
        "text/event-stream",
      );
      const texts: string[] = [];
      const stream = client.messages.stream(params).on("text", (delta) => texts.push(delta));
      const message = await stream.finalMessage();
      expect(message.content).toEqual(expectedContent as never);
      expect(message.stop_reason).toBe("tool_use");
      expect(message.usage).toMatchObject({
        input_tokens: 10,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 100,
        output_tokens: 30,
      });
      expect(texts).toEqual(["Checking the weather."]);
    }
  });

  test("Anthropic recordings through parseStream and renderStream read as the originals do", async () => {
    const cases: Array<[URL, string]> = [
      [RECORDINGS, "anthropic-text.chunks.txt"],
      [RECORDINGS, "anthropic-clear-thinking.1.chunks.txt"],
      [RECORDINGS, "anthropic-tool-no-args.chunks.txt"],
      [RECORDINGS, "anthropic-json-tool.2.chunks.txt"],
      [RECORDINGS, "anthropic-code-execution-20260120-prompt-cache.1.chunks.txt"],
      [RECORDINGS, "anthropic-message-delta-input-tokens.chunks.txt"],
      [HAND_WRITTEN, "anthropic-redacted-thinking.chunks.txt"],
    ];
    for (const [folder, name] of cases) {
      const lines = splitMessages(await chunkLines(folder, name))[0] ?? [];
      const original = await sdkAnswering(() => sseBody(lines), "text/event-stream")
        .messages.stream(params)
        .finalMessage();
      const events = anthropicAdapter.parseStream(sseBody(lines));
      const rendered = await sdkAnswering(
        () => anthropicSurface.renderStream(events, { ...options, servedModel: original.model }),
        "text/event-stream",
      )
        .messages.stream(params)
        .finalMessage();
      const known = original.content.filter((block) =>
        ["text", "thinking", "redacted_thinking", "tool_use"].includes(block.type),
      );
      expect(rendered.content).toEqual(
        known.map((block) =>
          block.type === "text" ? { type: "text", text: block.text } : block,
        ) as never,
      );
      expect(rendered.id).toBe(original.id);
      expect(rendered.stop_reason).toBe(original.stop_reason);
      expect(rendered.usage).toMatchObject({
        input_tokens: original.usage.input_tokens,
        cache_creation_input_tokens: original.usage.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: original.usage.cache_read_input_tokens ?? 0,
        output_tokens: original.usage.output_tokens,
      });
    }
  });

  test("an upstream error mid-stream becomes an error event the SDK raises", async () => {
    const lines = await chunkLines(HAND_WRITTEN, "anthropic-stream-overloaded.chunks.txt");
    const client = sdkAnswering(
      () => anthropicSurface.renderStream(anthropicAdapter.parseStream(sseBody(lines)), options),
      "text/event-stream",
    );
    const texts: string[] = [];
    const failure = await client.messages
      .stream(params)
      .on("text", (delta) => texts.push(delta))
      .finalMessage()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
    expect(texts).toEqual(["Partial"]);
  });

  test("events that run out before message-end, or that throw, end with an error event", async () => {
    const cut = await readAll(
      anthropicSurface.renderStream(
        fromArray([
          { type: "message-start", id: "msg_1", model: "m" },
          { type: "text-delta", index: 0, text: "Hi" },
        ]),
        options,
      ),
    );
    expect(
      cut.endsWith(
        'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"the upstream stream ended unexpectedly"}}\n\n',
      ),
    ).toBe(true);
    async function* throwing(): AsyncGenerator<CanonicalStreamEvent> {
      yield { type: "message-start", id: "msg_1", model: "m" };
      throw new GatewayError("timeout", "upstream timed out");
    }
    const thrown = await readAll(anthropicSurface.renderStream(throwing(), options));
    expect(thrown).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"upstream timed out"}}\n\n',
    );
  });

  test("a client that leaves stops the events", async () => {
    let stopped = false;
    async function* endless(): AsyncGenerator<CanonicalStreamEvent> {
      try {
        yield { type: "message-start", id: "msg_1", model: "m" };
        for (;;) yield { type: "text-delta", index: 0, text: "x" };
      } finally {
        stopped = true;
      }
    }
    const reader = anthropicSurface.renderStream(endless(), options).getReader();
    await reader.read();
    await reader.cancel();
    expect(stopped).toBe(true);
  });
});

describe("renderError", () => {
  test("Anthropic's shape and type names", () => {
    const body = (error: GatewayError) => JSON.parse(anthropicSurface.renderError(error));
    expect(
      body(new GatewayError("invalid_request", "max_tokens: is required", { param: "max_tokens" })),
    ).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "max_tokens: is required" },
    });
    const types = (
      [
        "authentication",
        "forbidden",
        "not_found",
        "rate_limited",
        "internal",
        "upstream_error",
        "unavailable",
        "timeout",
      ] as const
    ).map((code) => body(new GatewayError(code, "m")).error.type);
    expect(types).toEqual([
      "authentication_error",
      "permission_error",
      "not_found_error",
      "rate_limit_error",
      "api_error",
      "api_error",
      "overloaded_error",
      "timeout_error",
    ]);
  });

  test("402 carries the budget when the budget check attached it, and the SDK raises it", async () => {
    const budget = {
      name: "team-ml",
      spend_usd: 105,
      cap_usd: 100,
      period: "monthly",
      period_resets_at: "2026-05-01T00:00:00Z",
    };
    const error = new GatewayError(
      "budget_exceeded",
      'budget "team-ml" exceeded ($105.00 / $100.00)',
      {
        budget,
      } as GatewayError["details"],
    );
    const rendered = anthropicSurface.renderError(error);
    expect(JSON.parse(rendered)).toEqual({
      type: "error",
      error: {
        type: "budget_exceeded",
        message: 'budget "team-ml" exceeded ($105.00 / $100.00)',
        code: 402,
        budget,
      },
    });
    const failure = await sdkAnswering(() => rendered, "application/json", 402)
      .messages.create(params)
      .catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    expect(
      JSON.parse(anthropicSurface.renderError(new GatewayError("budget_exceeded", "over"))),
    ).toEqual({
      type: "error",
      error: { type: "budget_exceeded", message: "over", code: 402 },
    });
  });
});

test("a text delta's event is the JSON of its delta, whatever the text holds", async () => {
  const texts = ['say "hi"', "line\nbreak\\", "ünïcødé ✓ 🎉", "\u2028\u0000</script>"];
  const events: CanonicalStreamEvent[] = [
    { type: "message-start", id: "msg_1", model: "m" },
    { type: "thinking-delta", index: 0, text: "hm" },
    ...texts.map((text): CanonicalStreamEvent => ({ type: "text-delta", index: 1, text })),
    { type: "message-end", stopReason: "end_turn" },
  ];
  const body = await readAll(anthropicSurface.renderStream(fromArray(events), options));
  const deltas = body
    .split("\n\n")
    .filter((event) => event.includes('"text_delta"'))
    .map((event) => event.slice(event.indexOf("data: ") + "data: ".length));
  // The text block is the second one (index 1); each delta byte for byte JSON.stringify's.
  expect(deltas.map((data) => JSON.parse(data))).toEqual(
    texts.map((text) => ({
      type: "content_block_delta",
      index: 1,
      delta: { type: "text_delta", text },
    })),
  );
  for (const data of deltas) expect(data).toBe(JSON.stringify(JSON.parse(data)));
});
