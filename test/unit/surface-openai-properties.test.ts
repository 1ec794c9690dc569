// Property tests (fast-check): no input makes the parser fail other than with invalid_request;
// rendering a stream and reading it back keeps the text, tool calls, stop reason and usage; the
// fast path forwards any chunking byte for byte; unknown fields reach the upstream body intact.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiDialect } from "../../dataplane/providers/openai/capabilities.ts";
import { convertToOpenAiChatBody } from "../../dataplane/providers/openai/convert-request.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { openAiSurface } from "../../dataplane/surfaces/openai/index.ts";
import { createOpenAiPassthroughStream } from "../../dataplane/surfaces/openai/passthrough-stream.ts";
import { collect, summarize } from "./providers-openai-helpers.ts";

function parseOrInvalid(body: Record<string, unknown>): void {
  try {
    openAiSurface.parseRequest(body, new Headers());
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== "invalid_request") throw error;
    expect(error.message.startsWith(`${error.details.param}: `)).toBe(true);
  }
}

const roles = fc.constantFrom("system", "developer", "user", "assistant", "tool", "function", "");
const partTypes = fc.constantFrom("text", "image_url", "input_audio", "file", "refusal", "other");
const anyValue = fc.jsonValue({ maxDepth: 3 });
const part = fc.record(
  {
    type: partTypes,
    text: anyValue,
    image_url: fc.oneof(
      anyValue,
      fc.record({ url: fc.oneof(fc.string(), anyValue), detail: anyValue }),
    ),
    file: anyValue,
    refusal: anyValue,
  },
  { requiredKeys: ["type"] },
);
const toolCall = fc.record(
  {
    id: fc.oneof(fc.string(), anyValue),
    type: fc.constantFrom("function", "custom", "x"),
    function: fc.record(
      {
        name: fc.oneof(fc.string(), anyValue),
        arguments: fc.oneof(fc.string(), fc.json(), anyValue),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    role: roles,
    content: fc.oneof(fc.string(), fc.array(part, { maxLength: 4 }), anyValue),
    tool_calls: fc.oneof(fc.array(toolCall, { maxLength: 3 }), anyValue),
    tool_call_id: fc.oneof(fc.string(), anyValue),
    refusal: anyValue,
    name: anyValue,
  },
  { requiredKeys: ["role"] },
);
const nearlyValidBody = fc.record(
  {
    model: fc.oneof(fc.string(), anyValue),
    messages: fc.oneof(fc.array(message, { maxLength: 5 }), anyValue),
    tools: fc.oneof(
      fc.array(
        fc.record({
          type: fc.constantFrom("function", "custom"),
          function: fc.record(
            { name: fc.oneof(fc.string(), anyValue), parameters: anyValue },
            { requiredKeys: [] },
          ),
        }),
        { maxLength: 3 },
      ),
      anyValue,
    ),
    tool_choice: fc.oneof(fc.constantFrom("auto", "none", "required"), anyValue),
    response_format: fc.oneof(
      fc.record({
        type: fc.constantFrom("text", "json_object", "json_schema"),
        json_schema: anyValue,
      }),
      anyValue,
    ),
    stream: anyValue,
    stop: anyValue,
    max_tokens: anyValue,
    temperature: fc.oneof(fc.double(), anyValue),
    reasoning_effort: anyValue,
    "mlx:tags": anyValue,
    ["__proto__"]: anyValue,
  },
  { requiredKeys: [] },
);

/** Mostly valid bodies, so the conversion after parsing is exercised too. */
const text = fc.string({ unit: "grapheme", maxLength: 20 });
const validLeaningBody = fc.record(
  {
    model: fc.string({ minLength: 1, maxLength: 12 }),
    messages: fc.array(
      fc.oneof(
        fc.record({ role: fc.constantFrom("system", "developer"), content: text }),
        fc.record({
          role: fc.constant("user"),
          content: fc.oneof(
            text,
            fc.array(
              fc.oneof(
                fc.record({ type: fc.constant("text"), text }),
                fc.record({
                  type: fc.constant("image_url"),
                  image_url: fc.record({
                    url: fc.oneof(
                      fc.webUrl(),
                      fc.base64String().map((data) => `data:image/png;base64,${data}`),
                    ),
                  }),
                }),
                fc.record({
                  type: fc.constant("file"),
                  file: fc.record({ file_id: fc.string() }, { requiredKeys: [] }),
                }),
              ),
              { maxLength: 3 },
            ),
          ),
        }),
        fc.record(
          {
            role: fc.constant("assistant"),
            content: fc.option(text, { nil: null }),
            tool_calls: fc.array(
              fc.record({
                id: fc.string({ minLength: 1 }),
                type: fc.constant("function"),
                function: fc.record({ name: text, arguments: fc.oneof(fc.json(), fc.string()) }),
              }),
              { maxLength: 2 },
            ),
          },
          { requiredKeys: ["role"] },
        ),
        fc.record({ role: fc.constant("tool"), tool_call_id: fc.string(), content: text }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    tools: fc.array(
      fc.record({
        type: fc.constant("function"),
        function: fc.record(
          { name: fc.string({ minLength: 1 }), parameters: fc.dictionary(fc.string(), anyValue) },
          { requiredKeys: ["name"] },
        ),
      }),
      { maxLength: 2 },
    ),
    tool_choice: fc.constantFrom("auto", "none", "required"),
    response_format: fc.constantFrom({ type: "text" }, { type: "json_object" }),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 4 })),
    reasoning_effort: fc.constantFrom("minimal", "low", "medium", "high", "none", "xhigh"),
    stream: fc.boolean(),
    seed: fc.integer(),
  },
  { requiredKeys: ["model", "messages"] },
);

describe("parseRequest never fails with anything but invalid_request", () => {
  test("arbitrary JSON objects", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), anyValue), (body) => parseOrInvalid(body)),
      { numRuns: 500 },
    );
  });

  test("bodies close to valid ones", () => {
    fc.assert(
      fc.property(nearlyValidBody, (body) => parseOrInvalid(body as Record<string, unknown>)),
      { numRuns: 1000 },
    );
  });

  test("whatever parses also converts to an upstream body without throwing", () => {
    let converted = 0;
    fc.assert(
      fc.property(
        fc.oneof(validLeaningBody, nearlyValidBody),
        fc.constantFrom("gpt-4o", "o3"),
        (body, model) => {
          let parsed: ReturnType<typeof openAiSurface.parseRequest>;
          try {
            parsed = openAiSurface.parseRequest(body as Record<string, unknown>, new Headers());
          } catch (error) {
            if (!(error instanceof GatewayError)) throw error;
            return;
          }
          JSON.stringify(convertToOpenAiChatBody(parsed.value, model, openAiDialect).value);
          converted++;
        },
      ),
      { numRuns: 2000 },
    );
    expect(converted).toBeGreaterThan(500);
  });
});

describe("fields without a canonical slot reach an OpenAI-family body byte-identical", () => {
  test("unknown top-level fields", () => {
    const key = fc
      .string({ minLength: 1 })
      .filter(
        (name) =>
          !name.startsWith("mlx:") &&
          !["model", "messages", "stream", "stream_options"].includes(name),
      );
    fc.assert(
      fc.property(
        fc.dictionary(
          key.map((name) => `x_${name}`),
          anyValue,
        ),
        (extra) => {
          const body = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], ...extra };
          const { value } = openAiSurface.parseRequest(body, new Headers());
          const upstream = JSON.parse(
            JSON.stringify(convertToOpenAiChatBody(value, "gpt-4o", openAiDialect).value),
          );
          for (const [field, fieldValue] of Object.entries(extra)) {
            expect(JSON.stringify(upstream[field])).toBe(JSON.stringify(fieldValue));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("render-stream round trip", () => {
  const toolArb = fc.record({
    name: fc.string({ minLength: 1, maxLength: 10 }),
    pieces: fc.array(fc.string(), { maxLength: 4 }),
  });
  const stopArb = fc.constantFrom(
    "end_turn" as const,
    "max_tokens" as const,
    "tool_use" as const,
    "content_filter" as const,
  );
  const usageArb = fc.record({
    inputTokens: fc.nat(100_000),
    outputTokens: fc.nat(100_000),
    cacheReadTokens: fc.nat(1000),
    reasoningTokens: fc.nat(1000),
  });

  test("concatenated text deltas == the text; tool calls, stop reason and usage survive", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme" }), { maxLength: 12 }),
        fc.array(toolArb, { maxLength: 3 }),
        stopArb,
        usageArb,
        async (texts, tools, stopReason, usage) => {
          const events: CanonicalStreamEvent[] = [
            { type: "message-start", id: "msg_1", model: "m" },
          ];
          for (const text of texts) events.push({ type: "text-delta", index: 0, text });
          tools.forEach((tool, position) => {
            const index = position + 1;
            events.push({
              type: "tool-call-start",
              index,
              id: `call_${position}`,
              name: tool.name,
            });
            for (const piece of tool.pieces)
              events.push({ type: "tool-call-delta", index, argumentsDelta: piece });
            events.push({ type: "tool-call-end", index });
          });
          events.push({ type: "usage", usage }, { type: "message-end", stopReason });
          async function* source() {
            yield* events;
          }
          const rendered = openAiSurface.renderStream(source(), {
            requestedModel: "@x",
            servedModel: "m",
            includeUsage: true,
            estimatedInputTokens: 1,
          });
          const summary = summarize(await collect(openAiAdapter.parseStream(rendered)));
          expect(summary.errors).toEqual([]);
          expect(summary.text).toBe(texts.join(""));
          expect(summary.tools.map((tool) => [tool.id, tool.name, tool.arguments])).toEqual(
            tools.map((tool, position) => [`call_${position}`, tool.name, tool.pieces.join("")]),
          );
          expect(summary.stopReason).toBe(stopReason === "end_turn" ? "end_turn" : stopReason);
          expect(summary.usage).toEqual({ ...usage, cacheWriteTokens: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("the fast-path stream under any chunking", () => {
  test("byte-identical without stripping", async () => {
    const event = fc.oneof(
      fc
        .string()
        .map(
          (text) =>
            `data: ${JSON.stringify({ choices: [{ delta: { content: text } }], usage: null })}`,
        ),
      fc.constant('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}'),
      fc.constant(": ping"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { maxLength: 8 }),
        fc.constantFrom("\n\n", "\r\n\r\n", "\r\r"),
        fc.array(fc.nat(40), { maxLength: 10 }),
        async (events, separator, cuts) => {
          const bytes = new TextEncoder().encode(events.map((line) => line + separator).join(""));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const pieces: Uint8Array[] = [];
          let start = 0;
          for (const point of [...points, bytes.length]) {
            pieces.push(bytes.slice(start, point));
            start = point;
          }
          const source = new ReadableStream<Uint8Array>({
            start(controller) {
              for (const piece of pieces) controller.enqueue(piece);
              controller.close();
            },
          });
          const output = createOpenAiPassthroughStream(source, {
            stripUsageChunk: false,
            onUsage: () => {},
          });
          expect(new Uint8Array(await new Response(output).arrayBuffer())).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
