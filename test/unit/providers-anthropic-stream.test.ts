// Every streamed Messages recording through the adapter's parseStream. The oracle is the official
// SDK: its MessageStream accumulates the same events into a Message, which parseResponse reads;
// the canonical events must fold into the same answer.
import { describe, expect, test } from "bun:test";
import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import {
  bytesStream,
  chunkLines,
  collect,
  fold,
  HAND_WRITTEN,
  RECORDINGS,
  recordingNames,
  splitMessages,
  sseBody,
} from "./providers-anthropic-helpers.ts";

/** Streams the SDK itself refuses (a second message_start before message_stop). */
const MALFORMED = new Set([
  "duplicate-message-start.chunks.txt",
  "spliced-message-start.chunks.txt",
]);

async function sdkMessage(lines: string[]): Promise<unknown> {
  const stream = MessageStream.fromReadableStream(bytesStream(`${lines.join("\n")}\n`, 4096));
  return stream.finalMessage();
}

async function parse(lines: string[], pieceSize?: number): Promise<CanonicalStreamEvent[]> {
  return collect(anthropicAdapter.parseStream(sseBody(lines, pieceSize)));
}

describe("parseStream replays every Messages stream recording", () => {
  for (const name of recordingNames(".chunks.txt").filter((file) => !MALFORMED.has(file))) {
    test(name, async () => {
      for (const lines of splitMessages(await chunkLines(RECORDINGS, name))) {
        const events = await parse(lines);
        const folded = fold(events);
        const expected = anthropicAdapter.parseResponse(await sdkMessage(lines)).value;
        expect(folded.errors).toEqual([]);
        expect(folded.messageStarts).toBe(1);
        expect(folded.id).toBe(expected.id);
        expect(folded.model).toBe(expected.model);
        expect(folded.content).toEqual(expected.content);
        expect(folded.stopReason).toBe(expected.stopReason);
        expect(folded.usage).toEqual(expected.usage);
        expect(events[0]?.type).toBe("message-start");
        expect(events.at(-1)?.type).toBe("message-end");
        // Canonical indexes count the blocks kept, with no gaps.
        const indexes = [
          ...new Set(events.flatMap((event) => ("index" in event ? [event.index] : []))),
        ];
        expect(indexes).toEqual(indexes.map((_, position) => position));
      }
    });
  }
});

describe("parseStream, case by case", () => {
  test("text arrives as deltas, usage first from message_start then message_delta", async () => {
    const events = await parse(await chunkLines(RECORDINGS, "anthropic-text.chunks.txt"), 5);
    expect(events.slice(0, 2)).toEqual([
      {
        type: "message-start",
        id: "msg_01QC4g3HwBThD4BaNtBckFDJ",
        model: "claude-sonnet-4-5-20250929",
      },
      { type: "usage", usage: { inputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0 } },
    ]);
    const folded = fold(events);
    expect(folded.content).toEqual([
      {
        type: "text",
        text: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
      },
    ]);
    expect(folded.usage.outputTokens).toBe(30);
  });

  test("the thinking signature arrives intact", async () => {
    const lines = await chunkLines(RECORDINGS, "anthropic-clear-thinking.1.chunks.txt");
    const recorded = lines
      .map((line) => JSON.parse(line))
      .find((event) => event.delta?.type === "signature_delta").delta.signature;
    const folded = fold(await parse(lines, 3));
    expect(folded.content[0]).toEqual({
      type: "thinking",
      text: "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185",
      signature: recorded,
      origin: "claude",
    });
  });

  test("a call without arguments gets `{}` as its arguments", async () => {
    const events = await parse(await chunkLines(RECORDINGS, "anthropic-tool-no-args.chunks.txt"));
    const call = events.filter((event) => event.type.startsWith("tool-call"));
    expect(call).toEqual([
      {
        type: "tool-call-start",
        index: 1,
        id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
        name: "updateIssueList",
      },
      { type: "tool-call-delta", index: 1, argumentsDelta: "{}" },
      { type: "tool-call-end", index: 1 },
    ]);
  });

  test("message_delta's input count replaces message_start's", async () => {
    const folded = fold(
      await parse(await chunkLines(RECORDINGS, "anthropic-message-delta-input-tokens.chunks.txt")),
    );
    expect(folded.usage).toMatchObject({ inputTokens: 61, outputTokens: 2 });
  });

  test("cache reads and writes count in the input", async () => {
    const lines = await chunkLines(
      RECORDINGS,
      "anthropic-code-execution-20260120-prompt-cache.1.chunks.txt",
    );
    expect(fold(await parse(lines)).usage).toEqual({
      inputTokens: 6 + 3337 + 6289,
      outputTokens: 198,
      cacheReadTokens: 6289,
      cacheWriteTokens: 3337,
      reasoningTokens: 0,
    });
  });

  test("a refusal without content", async () => {
    const folded = fold(await parse(await chunkLines(RECORDINGS, "anthropic-refusal.chunks.txt")));
    expect(folded.stopReason).toBe("refusal");
    expect(folded.content).toEqual([]);
  });

  test("a skipped block leaves no gap: the fallback marker's text is block 0", async () => {
    const events = await parse(await chunkLines(RECORDINGS, "anthropic-fallback.chunks.txt"));
    expect(
      events.filter((event) => event.type === "text-delta").map((event) => event.index),
    ).toEqual([0, 0]);
  });

  test("a continuation whose blocks come inside message_start", async () => {
    const messages = splitMessages(
      await chunkLines(RECORDINGS, "anthropic-programmatic-tool-calling.1.chunks.txt"),
    );
    const folded = fold(await parse(messages[1] ?? []));
    expect(folded.content).toEqual([
      {
        type: "tool-use",
        id: "toolu_015dGLMbwBKv1ZRQr6KdJzeH",
        name: "rollDie",
        input: { player: "player2" },
      },
    ]);
    expect(folded.stopReason).toBe("tool_use");
  });

  test("the same message announced twice is one message", async () => {
    const folded = fold(
      await parse(await chunkLines(RECORDINGS, "duplicate-message-start.chunks.txt")),
    );
    expect(folded.messageStarts).toBe(1);
    expect(folded.content).toEqual([{ type: "text", text: "Hello, World!" }]);
    expect(folded.usage).toMatchObject({ inputTokens: 17, outputTokens: 227 });
    expect(folded.errors).toEqual([]);
  });

  test("a second message spliced into an open one is an error; nothing of it is used", async () => {
    const events = await parse(await chunkLines(RECORDINGS, "spliced-message-start.chunks.txt"));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
    expect(events.some((event) => event.type === "message-end")).toBe(false);
    expect(
      events.some((event) => event.type === "tool-call-start" && event.id === "toolu_second"),
    ).toBe(false);
  });
});

describe("parseStream, hand-written cases", () => {
  test("pause_turn after a server tool call", async () => {
    const folded = fold(
      await parse(await chunkLines(HAND_WRITTEN, "anthropic-pause-turn.chunks.txt")),
    );
    expect(folded.stopReason).toBe("pause_turn");
    expect(folded.content).toEqual([{ type: "text", text: "Let me search for that." }]);
    expect(folded.usage).toMatchObject({ inputTokens: 2100, outputTokens: 57 });
  });

  test("redacted thinking between thinking and text; thinking tokens", async () => {
    const folded = fold(
      await parse(await chunkLines(HAND_WRITTEN, "anthropic-redacted-thinking.chunks.txt"), 11),
    );
    expect(folded.content.map((block) => block.type)).toEqual([
      "thinking",
      "redacted-thinking",
      "text",
    ]);
    expect(folded.content[0]).toMatchObject({
      signature: "EqQBCgIYAhIM+hand/written+signature==/with+slashes==",
    });
    expect(folded.usage).toEqual({
      inputTokens: 2010,
      outputTokens: 90,
      cacheReadTokens: 1800,
      cacheWriteTokens: 200,
      reasoningTokens: 60,
    });
  });

  test("the forced JSON tool streams as text and ends the turn", async () => {
    const events = await parse(
      await chunkLines(HAND_WRITTEN, "anthropic-json-tool-answer.chunks.txt"),
    );
    expect(events.some((event) => event.type.startsWith("tool-call"))).toBe(false);
    const folded = fold(events);
    expect(folded.content).toEqual([
      { type: "text", text: '{"city": "Paris", "temperature": 21}' },
    ]);
    expect(folded.stopReason).toBe("end_turn");
  });

  test("an error event mid-stream ends it with the canonical kind", async () => {
    const events = await parse(
      await chunkLines(HAND_WRITTEN, "anthropic-stream-overloaded.chunks.txt"),
    );
    expect(events.at(-1)).toEqual({ type: "error", code: "overloaded", message: "Overloaded" });
    expect(fold(events).content).toEqual([{ type: "text", text: "Partial" }]);
  });

  test("a stream that ends before message_stop is an error", async () => {
    const events = await parse(await chunkLines(HAND_WRITTEN, "anthropic-stream-cut.chunks.txt"));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
  });

  test("a payload that is not JSON is an error; pings and comments are not", async () => {
    const body = bytesStream(
      ': comment\n\nevent: ping\ndata: {"type":"ping"}\n\ndata: {not json\n\n',
      7,
    );
    const events = await collect(anthropicAdapter.parseStream(body));
    expect(events).toEqual([
      {
        type: "error",
        code: "upstream_error",
        message: "the stream sent a payload that is not JSON",
      },
    ]);
  });

  test("a connection that breaks mid-stream is an error event, not a throw", async () => {
    const lines = await chunkLines(RECORDINGS, "anthropic-text.chunks.txt");
    const head = new TextEncoder().encode(`data: ${lines[0]}\n\n`);
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error("socket hang up"));
        sent = true;
        controller.enqueue(head);
      },
    });
    const events = await collect(anthropicAdapter.parseStream(body));
    expect(events.at(-1)).toEqual({
      type: "error",
      code: "upstream_error",
      message: "the upstream stream was interrupted",
    });
  });

  test("leaving early cancels the upstream", async () => {
    let cancelled = false;
    const lines = await chunkLines(RECORDINGS, "anthropic-text.chunks.txt");
    const source = sseBody(lines).getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await source.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of anthropicAdapter.parseStream(body)) {
      if (event.type === "text-delta") break;
    }
    expect(cancelled).toBe(true);
  });
});
