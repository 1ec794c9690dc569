// The Gemini adapter reading streams: every recorded .chunks.txt of the google folder replayed
// as the SSE body the API sends, plus hand-written cases (thought summaries, errors, a stream
// that stops without a finish reason). Expected values are read from the recordings.
import { describe, expect, test } from "bun:test";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import {
  HAND_WRITTEN,
  ofType,
  RECORDINGS,
  readChunks,
  recordingFiles,
  replayStream,
} from "./providers-google-replay.ts";

interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
}

function recordedParts(name: string): Part[] {
  return readChunks(RECORDINGS, name).flatMap(
    (chunk) =>
      ((chunk.candidates as Array<{ content?: { parts?: Part[] } }>)[0]?.content?.parts ??
        []) as Part[],
  );
}

function finalUsage(name: string) {
  const last = readChunks(RECORDINGS, name).at(-1) as { usageMetadata: Record<string, number> };
  return last.usageMetadata;
}

/** Tool calls as (name, arguments, signature), from tool-call-start/-delta events. */
function toolCalls(events: CanonicalStreamEvent[]) {
  return ofType(events, "tool-call-start").map((start) => ({
    id: start.id,
    name: start.name,
    args: JSON.parse(
      ofType(events, "tool-call-delta")
        .filter((delta) => delta.index === start.index)
        .map((delta) => delta.argumentsDelta)
        .join(""),
    ),
    signature: start.signature,
  }));
}

const TEXT_STREAMS = [
  "google-text.chunks.txt",
  "google-reasoning.chunks.txt",
  "google-reasoning-gemini3.chunks.txt",
];
const TOOL_STREAMS: Record<string, Array<{ name: string; args: unknown }>> = {
  "google-tool-call.chunks.txt": [{ name: "weather", args: { location: "San Francisco" } }],
  "google-tool-call-gemini3.chunks.txt": [{ name: "weather", args: { location: "San Francisco" } }],
  "google-stream-tool-call-arguments.chunks.txt": [
    { name: "getWeather", args: { location: "Boston" } },
    { name: "getWeather", args: { location: "San Francisco" } },
  ],
  "google-stream-no-args-tool-call.chunks.txt": [
    { name: "read_theme", args: {} },
    { name: "read_screen", args: { id: "A" } },
    { name: "read_screen", args: { id: "B" } },
    { name: "read_screen", args: { id: "C" } },
  ],
  "google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt": [
    {
      name: "writeItems",
      args: {
        operations: [
          { action: "add", description: "Fresh red apple", itemid: "apple_001", price: 0.5 },
          { action: "add", description: "Ripe yellow banana", itemid: "banana_001", price: 0.3 },
        ],
      },
    },
  ],
};

describe("recorded streams", () => {
  test("every recorded .chunks.txt is replayed here", () => {
    const covered = new Set([
      ...TEXT_STREAMS,
      ...Object.keys(TOOL_STREAMS),
      "google-vertex-stream-tool-call-arguments-nested.1.chunks.txt",
    ]);
    const streams = recordingFiles().filter((name) => name.endsWith(".chunks.txt"));
    expect(streams.filter((name) => !covered.has(name))).toEqual([]);
  });

  for (const name of TEXT_STREAMS) {
    test(`${name}: text deltas in one block, the signature on it, usage, end_turn`, async () => {
      const events = await replayStream(RECORDINGS, name, 97);
      const parts = recordedParts(name);
      const signature = parts.findLast((part) => part.thoughtSignature)?.thoughtSignature;
      expect(events[0]).toMatchObject({ type: "message-start", model: "gemini-3-pro-preview" });
      expect(
        ofType(events, "text-delta")
          .map((delta) => delta.text)
          .join(""),
      ).toBe(parts.map((part) => part.text ?? "").join(""));
      expect(new Set(ofType(events, "text-delta").map((delta) => delta.index))).toEqual(
        new Set([0]),
      );
      expect(ofType(events, "text-signature")).toEqual([
        { type: "text-signature", index: 0, signature: signature as string, origin: "gemini" },
      ]);
      const usage = finalUsage(name);
      expect(ofType(events, "usage").at(-1)?.usage).toEqual({
        inputTokens: usage.promptTokenCount as number,
        outputTokens: (usage.candidatesTokenCount as number) + (usage.thoughtsTokenCount as number),
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: usage.thoughtsTokenCount as number,
      });
      expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "end_turn" });
    });
  }

  for (const [name, expected] of Object.entries(TOOL_STREAMS)) {
    test(`${name}: whole calls with their arguments and the first call's signature`, async () => {
      const events = await replayStream(RECORDINGS, name);
      const calls = toolCalls(events);
      expect(calls.map(({ name, args }) => ({ name, args }))).toEqual(expected);
      const firstSignature = recordedParts(name).find(
        (part) => part.thoughtSignature,
      )?.thoughtSignature;
      const signed = calls.find((call) => call.signature);
      expect(signed?.signature).toBe(firstSignature as string);
      // One start, one delta holding the whole JSON, one end per call, in order.
      expect(ofType(events, "tool-call-delta")).toHaveLength(expected.length);
      expect(ofType(events, "tool-call-end").map((end) => end.index)).toEqual(
        ofType(events, "tool-call-start").map((start) => start.index),
      );
      expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
      const usage = finalUsage(name);
      expect(ofType(events, "usage").at(-1)?.usage).toMatchObject({
        inputTokens: usage.promptTokenCount as number,
        outputTokens: (usage.candidatesTokenCount as number) + (usage.thoughtsTokenCount as number),
      });
      expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "tool_use" });
    });
  }

  test("google-stream-no-args-tool-call: the thought summary comes first as thinking", async () => {
    const events = await replayStream(RECORDINGS, "google-stream-no-args-tool-call.chunks.txt");
    const thinking = ofType(events, "thinking-delta");
    expect(thinking).toHaveLength(1);
    expect(thinking[0]?.index).toBe(0);
    expect(thinking[0]?.text.startsWith("**Processing User Requests**")).toBe(true);
    expect(ofType(events, "tool-call-start").map((start) => start.index)).toEqual([1, 2, 3, 4]);
    expect(toolCalls(events)[0]?.id).toBe("call__vr4aYiWEJnYodAPkujX0QM_0");
  });

  test("nested streamed arguments rebuild the whole recipe", async () => {
    const events = await replayStream(
      RECORDINGS,
      "google-vertex-stream-tool-call-arguments-nested.1.chunks.txt",
      512,
    );
    const [call] = toolCalls(events);
    expect(call?.name).toBe("cookRecipe");
    const recipe = call?.args.recipe;
    expect(recipe.name).toBe("Lasagna");
    expect(recipe.ingredients).toHaveLength(10);
    expect(recipe.ingredients[0]).toEqual({ amount: "16 oz", name: "Lasagna noodles" });
    expect(recipe.ingredients[9]).toEqual({ amount: "1/2 tsp", name: "Pepper" });
    expect(recipe.steps).toHaveLength(10);
    // A string sent in two pieces is joined.
    expect(recipe.steps[1]).toBe(
      "Cook lasagna noodles according to package directions, drain and set aside.",
    );
    expect(recipe.steps[4]).toBe("In a 9x13 baking dish, spread a thin layer of meat sauce.");
    expect(ofType(events, "usage").at(-1)?.usage).toMatchObject({
      inputTokens: 31,
      outputTokens: 684 + 1026,
      reasoningTokens: 1026,
    });
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "tool_use" });
  });
});

describe("hand-written streams", () => {
  test("thought summaries, then text, the signature on the text block, cached tokens", async () => {
    const events = await replayStream(HAND_WRITTEN, "google-thinking-text.chunks.txt", 13);
    expect(ofType(events, "thinking-delta").map((delta) => [delta.index, delta.text])).toEqual([
      [0, "**Counting letters**\n\nI'll spell it out."],
      [0, " Three r's."],
    ]);
    expect(ofType(events, "text-delta").map((delta) => [delta.index, delta.text])).toEqual([
      [1, "There are three"],
      [1, " r's."],
    ]);
    expect(ofType(events, "text-signature")).toEqual([
      {
        type: "text-signature",
        index: 1,
        signature: "aGFuZC13cml0dGVuLXNpZ25hdHVyZQ==",
        origin: "gemini",
      },
    ]);
    expect(ofType(events, "usage").at(-1)?.usage).toEqual({
      inputTokens: 2100,
      outputTokens: 58,
      cacheReadTokens: 2048,
      cacheWriteTokens: 0,
      reasoningTokens: 52,
    });
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "max_tokens" });
  });

  test("an error object in the stream ends it with an error event", async () => {
    const events = await replayStream(HAND_WRITTEN, "google-stream-error.chunks.txt");
    expect(events.map((event) => event.type)).toEqual(["message-start", "text-delta", "error"]);
    expect(events.at(-1)).toMatchObject({
      code: "overloaded",
      message: "The model is overloaded. Please try again later.",
    });
  });

  test("a stream that ends without a finish reason ends with an error event", async () => {
    const events = await replayStream(HAND_WRITTEN, "google-stream-no-finish.chunks.txt");
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
    expect(ofType(events, "message-end")).toEqual([]);
  });

  test("LF framing and a last event without its blank line are read too", async () => {
    const chunk = {
      candidates: [{ content: { parts: [{ text: "hi" }] }, finishReason: "STOP" }],
      responseId: "r1",
    };
    const body = new Response(`data: ${JSON.stringify(chunk)}\n`)
      .body as ReadableStream<Uint8Array>;
    const events: CanonicalStreamEvent[] = [];
    for await (const event of googleAdapter.parseStream(body)) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      "message-start",
      "text-delta",
      "message-end",
    ]);
  });
});
