// Properties over generated input: the parser never fails but with a clean invalid_request, and
// a rendered stream is the rendered response once the official SDK has accumulated it.
import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import fc from "fast-check";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalResponse, StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { anthropicSurface } from "../../dataplane/surfaces/anthropic/index.ts";
import { createAnthropicPassthroughStream } from "../../dataplane/surfaces/anthropic/passthrough-stream.ts";
import type { SurfaceRenderOptions } from "../../dataplane/surfaces/surface.ts";
import { collect, fold, readAll } from "./providers-anthropic-helpers.ts";

const options: SurfaceRenderOptions = {
  requestedModel: "@default",
  servedModel: "claude-x",
  includeUsage: true,
  estimatedInputTokens: 9,
};

function parsesCleanly(body: unknown): void {
  try {
    anthropicSurface.parseRequest(body as Record<string, unknown>, new Headers());
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("invalid_request");
    expect((error as GatewayError).message).toMatch(/^[\w.[\]]+: /);
  }
}

const validRequest = {
  model: "claude-sonnet-4-5",
  max_tokens: 100,
  system: [{ type: "text", text: "s", cache_control: { type: "ephemeral" } }],
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "hi" },
        { type: "image", source: { type: "url", url: "u" } },
      ],
    },
    { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "ok" }] },
  ],
  tools: [{ name: "n", input_schema: { type: "object" } }],
  tool_choice: { type: "auto" },
  thinking: { type: "enabled", budget_tokens: 1024 },
};

/** A value somewhere inside `root` replaced by arbitrary JSON: near-valid requests. */
const mutated = fc
  .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.jsonValue())
  .map(([steps, replacement]) => {
    const root = structuredClone(validRequest) as Record<string, unknown>;
    let node: unknown = root;
    for (const [position, step] of steps.entries()) {
      if (typeof node !== "object" || node === null) break;
      const keys = Object.keys(node);
      const key = keys[step % keys.length];
      if (key === undefined) break;
      if (
        position === steps.length - 1 ||
        typeof (node as Record<string, unknown>)[key] !== "object"
      ) {
        (node as Record<string, unknown>)[key] = replacement;
        break;
      }
      node = (node as Record<string, unknown>)[key];
    }
    return root;
  });

describe("parseRequest properties", () => {
  test("arbitrary JSON: a canonical request or invalid_request, nothing else", () => {
    fc.assert(fc.property(fc.jsonValue(), parsesCleanly), { numRuns: 500 });
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), parsesCleanly), {
      numRuns: 500,
    });
  });

  test("near-valid requests: the same", () => {
    fc.assert(fc.property(mutated, parsesCleanly), { numRuns: 1000 });
  });
});

const text = fc.string({ unit: "binary", maxLength: 40 });
const block: fc.Arbitrary<AssistantContent> = fc.oneof(
  text.map((value) => ({ type: "text" as const, text: value })),
  // Claude's signatures: what the Anthropic adapter reads back is Claude's.
  fc.record({ text, signature: fc.base64String({ maxLength: 40 }) }).map((value) => ({
    type: "thinking" as const,
    ...value,
    origin: "claude" as const,
  })),
  fc.base64String({ maxLength: 40 }).map((data) => ({
    type: "redacted-thinking" as const,
    data,
    origin: "claude" as const,
  })),
  fc
    .record({
      id: fc.stringMatching(/^toolu_[a-zA-Z0-9]{1,12}$/),
      name: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/),
      input: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      }),
    })
    .map((value) => ({
      type: "tool-use" as const,
      ...value,
      input: JSON.parse(JSON.stringify(value.input)),
    })),
);

const STOP_REASONS: StopReason[] = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
];
const response: fc.Arbitrary<CanonicalResponse> = fc
  .record({
    id: fc.stringMatching(/^msg_[a-zA-Z0-9]{1,20}$/),
    content: fc.array(block, { maxLength: 6 }),
    stopReason: fc.constantFrom(...STOP_REASONS),
    cacheRead: fc.nat(5000),
    cacheWrite: fc.nat(5000),
    fresh: fc.nat(5000),
    output: fc.nat(5000),
  })
  .map((value) => ({
    id: value.id,
    model: "claude-x",
    content: value.content,
    stopReason: value.stopReason,
    usage: {
      inputTokens: value.fresh + value.cacheRead + value.cacheWrite,
      outputTokens: value.output,
      cacheReadTokens: value.cacheRead,
      cacheWriteTokens: value.cacheWrite,
      // Anthropic reports no thinking count: the reader estimates it from the thinking text.
      reasoningTokens: Math.min(
        Math.ceil(
          value.content
            .filter((item) => item.type === "thinking")
            .reduce((total, item) => total + item.text.length, 0) / 4,
        ),
        value.output,
      ),
    },
  }));

/** The response as an adapter would stream it, texts and arguments cut at `cuts`. */
function eventsOf(canonical: CanonicalResponse, cut: number): CanonicalStreamEvent[] {
  const pieces = (value: string) => {
    const at = value.length === 0 ? 0 : cut % (value.length + 1);
    return at === 0 ? [value] : [value.slice(0, at), value.slice(at)];
  };
  const events: CanonicalStreamEvent[] = [
    { type: "message-start", id: canonical.id, model: canonical.model },
  ];
  canonical.content.forEach((item, index) => {
    if (item.type === "text")
      for (const piece of pieces(item.text))
        events.push({ type: "text-delta", index, text: piece });
    else if (item.type === "thinking") {
      for (const piece of pieces(item.text))
        events.push({ type: "thinking-delta", index, text: piece });
      for (const piece of pieces(item.signature ?? ""))
        events.push({ type: "signature-delta", index, signature: piece, origin: "claude" });
    } else if (item.type === "redacted-thinking")
      events.push({ type: "redacted-thinking", index, data: item.data, origin: "claude" });
    else {
      events.push({ type: "tool-call-start", index, id: item.id, name: item.name });
      for (const piece of pieces(JSON.stringify(item.input))) {
        events.push({ type: "tool-call-delta", index, argumentsDelta: piece });
      }
      events.push({ type: "tool-call-end", index });
    }
  });
  events.push({ type: "usage", usage: canonical.usage });
  events.push({ type: "message-end", stopReason: canonical.stopReason });
  return events;
}

function carriesSomething(item: AssistantContent): boolean {
  if (item.type === "text") return item.text !== "";
  if (item.type === "thinking") return item.text !== "" || Boolean(item.signature);
  return true;
}

async function* fromArray(events: CanonicalStreamEvent[]): AsyncGenerator<CanonicalStreamEvent> {
  for (const event of events) yield event;
}

function sdkReading(body: () => ReadableStream<Uint8Array>): Anthropic {
  return new Anthropic({
    apiKey: "mlx_sk_test",
    baseURL: "http://modelux.test/anthropic",
    maxRetries: 0,
    fetch: async () => new Response(body(), { headers: { "content-type": "text/event-stream" } }),
  });
}

describe("renderStream properties", () => {
  test("the SDK's accumulation of the stream is the rendered response", async () => {
    await fc.assert(
      fc.asyncProperty(response, fc.nat(), async (canonical, cut) => {
        const client = sdkReading(() =>
          anthropicSurface.renderStream(fromArray(eventsOf(canonical, cut)), options),
        );
        const message = await client.messages
          .stream({ model: "@default", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
          .finalMessage();
        const expected = anthropicSurface.renderResponse(canonical, options) as Record<
          string,
          unknown
        >;
        expect(message.id).toBe(expected.id as string);
        expect(message.content).toEqual(expected.content as never);
        expect(message.stop_reason).toBe(expected.stop_reason as never);
        expect(message.usage).toMatchObject(expected.usage as never);
      }),
      { numRuns: 150 },
    );
  });

  test("the adapter reads the rendered stream back into the canonical response", async () => {
    await fc.assert(
      fc.asyncProperty(response, fc.nat(), async (canonical, cut) => {
        const rendered = anthropicSurface.renderStream(
          fromArray(eventsOf(canonical, cut)),
          options,
        );
        const folded = fold(await collect(anthropicAdapter.parseStream(rendered)));
        expect(folded.errors).toEqual([]);
        // Empty text and an empty signature carry no delta: an empty block leaves nothing to read.
        const readable = canonical.content
          .map((item) =>
            item.type === "thinking" && !item.signature
              ? { type: "thinking" as const, text: item.text }
              : item,
          )
          .filter(carriesSomething);
        expect(folded.content.filter(carriesSomething)).toEqual(readable);
        expect(folded.usage).toEqual(canonical.usage);
      }),
      { numRuns: 150 },
    );
  });

  test("the fast path forwards any chunking of a stream byte for byte", async () => {
    const canonical: CanonicalResponse = {
      id: "msg_1",
      model: "claude-x",
      content: [{ type: "text", text: "héllo wörld ✓" }],
      stopReason: "end_turn",
      usage: {
        inputTokens: 10,
        outputTokens: 3,
        cacheReadTokens: 4,
        cacheWriteTokens: 2,
        reasoningTokens: 0,
      },
    };
    const bytes = new TextEncoder().encode(
      await readAll(anthropicSurface.renderStream(fromArray(eventsOf(canonical, 3)), options)),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.nat(bytes.length), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const source = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 1; i < points.length; i++)
              controller.enqueue(bytes.slice(points[i - 1], points[i]));
            controller.close();
          },
        });
        let last: unknown;
        const passed = createAnthropicPassthroughStream(source, {
          onUsage: (usage) => {
            last = usage;
          },
        });
        const output = await new Response(passed).arrayBuffer();
        expect(new Uint8Array(output)).toEqual(bytes);
        expect(last).toEqual(canonical.usage);
      }),
      { numRuns: 200 },
    );
  });
});
