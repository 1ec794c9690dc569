// Replays every recorded Bedrock answer through the adapter: each Converse body through
// parseResponse, each ConverseStream recording (re-encoded as real event-stream frames and cut
// at arbitrary byte boundaries) through parseStream. Expectations are read from the recording.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import { eventFrame } from "../../simulator/formats/bedrock/converse-stream.ts";

const CLAUDE = "anthropic.claude-3-7-sonnet-20250219-v1:0";
const DIRECTORY = join(import.meta.dir, "../fixtures/provider-recordings/amazon-bedrock");
const files = readdirSync(DIRECTORY);
const jsonCases = files.filter((name) => name.endsWith(".json"));
const streamCases = files.filter((name) => name.endsWith(".chunks.txt"));

// Only what these tests read of the recordings.
interface RecordedUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}
interface RecordedBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  reasoningContent?: { reasoningText: { text: string; signature: string } };
}
interface RecordedResponse {
  output: { message: { content: RecordedBlock[] } };
  stopReason: string;
  usage: RecordedUsage;
}
interface RecordedEvent {
  contentBlockIndex: number;
  start?: { toolUse?: { toolUseId: string; name: string } };
  delta?: {
    text?: string;
    toolUse?: { input: string };
    reasoningContent?: { text?: string; signature?: string };
  };
  stopReason?: string;
  usage?: RecordedUsage;
}
type RecordedLine = Record<string, RecordedEvent>;

const STOP = { end_turn: "end_turn", tool_use: "tool_use", max_tokens: "max_tokens" } as const;

/** Bedrock counts no reasoning apart: it is estimated from the reasoning text, 4 characters a token. */
function expectedUsage(usage: RecordedUsage, reasoningText = "") {
  const read = usage.cacheReadInputTokens ?? 0;
  const write = usage.cacheWriteInputTokens ?? 0;
  return {
    inputTokens: usage.inputTokens + read + write,
    outputTokens: usage.outputTokens,
    cacheReadTokens: read,
    cacheWriteTokens: write,
    reasoningTokens: Math.min(Math.ceil(reasoningText.length / 4), usage.outputTokens),
  };
}

describe("parseResponse replays every Converse recording", () => {
  test("there are recordings to replay", () => {
    expect(jsonCases.length).toBeGreaterThanOrEqual(10);
    expect(streamCases.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of jsonCases) {
    test(name, () => {
      const recording: RecordedResponse = JSON.parse(readFileSync(join(DIRECTORY, name), "utf8"));
      // The reasoning recording is Claude's (its signature is Anthropic's format): Claude on
      // Bedrock writes Claude signatures.
      const { value, warnings } = bedrockAdapter.parseResponse(recording, { model: CLAUDE });
      const expected = recording.output.message.content.map((block): AssistantContent => {
        if (block.toolUse) {
          const { toolUseId, name: toolName, input } = block.toolUse;
          return { type: "tool-use", id: toolUseId, name: toolName, input };
        }
        if (block.reasoningContent) {
          const { text, signature } = block.reasoningContent.reasoningText;
          return { type: "thinking", text, signature, origin: "claude" };
        }
        return { type: "text", text: block.text ?? "" };
      });
      expect(value.content).toEqual(expected);
      expect(value.stopReason).toBe(STOP[recording.stopReason as keyof typeof STOP]);
      const reasoning = recording.output.message.content
        .map((block) => block.reasoningContent?.reasoningText.text ?? "")
        .join("");
      expect(value.usage).toEqual(expectedUsage(recording.usage, reasoning));
      expect(value.id).toMatch(/^msg_bdrk_/);
      expect(warnings).toEqual([]);
    });
  }
});

/** What a recording's events add up to, read from its JSON lines. */
function summarize(lines: RecordedLine[]) {
  const texts = new Map<number, string>();
  const thinking = new Map<number, { text: string; signature: string }>();
  const tools = new Map<number, { id: string; name: string; arguments: string }>();
  let stopReason: string | undefined;
  let usage: RecordedUsage | undefined;
  for (const line of lines) {
    const [type, event] = Object.entries(line)[0] as [string, RecordedEvent];
    const index = event.contentBlockIndex;
    if (type === "contentBlockStart" && event.start?.toolUse) {
      const { toolUseId, name } = event.start.toolUse;
      tools.set(index, { id: toolUseId, name, arguments: "" });
    } else if (type === "contentBlockDelta" && event.delta) {
      const { delta } = event;
      if (delta.text !== undefined) texts.set(index, (texts.get(index) ?? "") + delta.text);
      const tool = tools.get(index);
      if (delta.toolUse && tool) tool.arguments += delta.toolUse.input;
      if (delta.reasoningContent) {
        const block = thinking.get(index) ?? { text: "", signature: "" };
        block.text += delta.reasoningContent.text ?? "";
        block.signature += delta.reasoningContent.signature ?? "";
        thinking.set(index, block);
      }
    } else if (type === "messageStop") stopReason = event.stopReason;
    else if (type === "metadata") usage = event.usage;
  }
  for (const tool of tools.values()) if (tool.arguments === "") tool.arguments = "{}";
  return { texts, thinking, tools, stopReason, usage };
}

/** The canonical events, folded the way a surface writer would. */
function fold(events: CanonicalStreamEvent[]) {
  const texts = new Map<number, string>();
  const thinking = new Map<number, { text: string; signature: string }>();
  const tools = new Map<number, { id: string; name: string; arguments: string }>();
  const ended = new Set<number>();
  let usage: Partial<CanonicalUsage> | undefined;
  let stopReason: string | undefined;
  for (const event of events) {
    switch (event.type) {
      case "text-delta":
        texts.set(event.index, (texts.get(event.index) ?? "") + event.text);
        break;
      case "thinking-delta":
      case "signature-delta": {
        const block = thinking.get(event.index) ?? { text: "", signature: "" };
        if (event.type === "thinking-delta") block.text += event.text;
        else block.signature += event.signature;
        thinking.set(event.index, block);
        break;
      }
      case "tool-call-start":
        tools.set(event.index, { id: event.id, name: event.name, arguments: "" });
        break;
      case "tool-call-delta": {
        const tool = tools.get(event.index);
        if (tool) tool.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end":
        ended.add(event.index);
        break;
      case "usage":
        usage = { ...usage, ...event.usage };
        break;
      case "message-end":
        stopReason = event.stopReason;
        break;
    }
  }
  return { texts, thinking, tools, ended, usage, stopReason };
}

/** Cuts bytes into chunks of 1–`largest` bytes, chosen by a seeded generator. */
function cut(bytes: Uint8Array, seed: number, largest: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let state = seed;
  for (let offset = 0; offset < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % largest);
    chunks.push(bytes.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<CanonicalStreamEvent[]> {
  const events: CanonicalStreamEvent[] = [];
  for await (const event of bedrockAdapter.parseStream(body)) events.push(event);
  return events;
}

describe("parseStream replays every ConverseStream recording as event-stream frames", () => {
  for (const name of streamCases) {
    const lines: RecordedLine[] = readFileSync(join(DIRECTORY, name), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line));
    const frames = lines.map((line) => {
      const [eventType, payload] = Object.entries(line)[0] as [string, unknown];
      return eventFrame(eventType, payload);
    });
    const whole = Buffer.concat(frames);
    const splits: Record<string, Uint8Array[]> = {
      "one chunk": [whole],
      "a chunk per frame": frames,
      "one byte at a time": cut(whole, 1, 1),
      "random cuts up to 7 bytes": cut(whole, name.length, 7),
      "random cuts up to 97 bytes": cut(whole, name.length * 31, 97),
    };

    test(name, async () => {
      const expected = summarize(lines);
      const results = [];
      for (const chunks of Object.values(splits)) results.push(await collect(streamOf(chunks)));
      // However the bytes were cut, the events are the same.
      for (const events of results.slice(1)) {
        expect(events.slice(1)).toEqual((results[0] as CanonicalStreamEvent[]).slice(1));
      }
      const events = results[0] as CanonicalStreamEvent[];
      expect(events[0]?.type).toBe("message-start");
      expect(events.at(-1)).toEqual({
        type: "message-end",
        stopReason: STOP[expected.stopReason as keyof typeof STOP],
      });
      expect(events.some((event) => event.type === "error")).toBe(false);

      const folded = fold(events);
      expect(folded.texts).toEqual(expected.texts);
      expect(folded.thinking).toEqual(expected.thinking);
      expect(folded.tools).toEqual(expected.tools);
      for (const tool of expected.tools.values()) JSON.parse(tool.arguments);
      expect([...folded.ended].sort()).toEqual([...expected.tools.keys()].sort());
      expect(folded.stopReason).toBe(expected.stopReason);
      const reasoning = [...expected.thinking.values()].map((block) => block.text).join("");
      if (expected.usage) expect(folded.usage).toEqual(expectedUsage(expected.usage, reasoning));
      else expect(folded.usage).toBeUndefined();
    });
  }
});
