// The fast path's stream: byte-identical forwarding event by event, usage read on the side, the
// usage-only chunk dropped only when asked.
import { describe, expect, test } from "bun:test";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { createOpenAiPassthroughStream } from "../../dataplane/surfaces/openai/passthrough-stream.ts";
import { bytesStream } from "./providers-openai-helpers.ts";

const RECORDINGS = new URL("../fixtures/provider-recordings/", import.meta.url);

async function recordedSse(path: string): Promise<string> {
  const text = await Bun.file(new URL(path, RECORDINGS)).text();
  const events = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `data: ${line}\n\n`);
  return `${events.join("")}data: [DONE]\n\n`;
}

async function pass(input: string, stripUsageChunk: boolean, pieceSize: number) {
  const usages: CanonicalUsage[] = [];
  let events = 0;
  const output = createOpenAiPassthroughStream(bytesStream(input, pieceSize), {
    stripUsageChunk,
    onUsage: (usage) => usages.push(usage),
    onEvent: () => events++,
  });
  return { text: await new Response(output).text(), usages, events };
}

describe("createOpenAiPassthroughStream", () => {
  test("forwards the recorded OpenAI stream byte for byte and reports its usage", async () => {
    const input = await recordedSse("openai/chat/openai-text.chunks.txt");
    for (const pieceSize of [1, 7, 64, 100_000]) {
      const result = await pass(input, false, pieceSize);
      expect(result.text).toBe(input);
      expect(result.usages).toEqual([
        {
          inputTokens: 16,
          outputTokens: 300,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      ]);
      expect(result.events).toBe(input.split("\n\n").filter(Boolean).length);
    }
  });

  test("drops exactly the usage-only chunk when the client did not ask for it", async () => {
    const input = await recordedSse("openai/chat/openai-text.chunks.txt");
    const usageEvent = input
      .split("\n\n")
      .find((event) => event.includes('"choices":[],"usage":{'));
    expect(usageEvent).toBeDefined();
    const result = await pass(input, true, 13);
    expect(result.text).toBe(input.replace(`${usageEvent}\n\n`, ""));
    expect(result.usages[0]?.outputTokens).toBe(300);
  });

  test("usage inside a finish chunk (Groq) is reported but the chunk is kept", async () => {
    const input = await recordedSse("groq/groq-tool-call.chunks.txt");
    const result = await pass(input, true, 50);
    expect(result.text).toBe(input);
    expect(result.usages).toMatchObject([{ inputTokens: 210, outputTokens: 15 }]);
  });

  test("xAI's usage chunk: reasoning added to the output tokens", async () => {
    const input = await recordedSse("openai-compatible/chat/xai-text.chunks.txt");
    const result = await pass(input, true, 211);
    expect(result.usages).toEqual([
      {
        inputTokens: 12,
        outputTokens: 342,
        cacheReadTokens: 11,
        cacheWriteTokens: 0,
        reasoningTokens: 340,
      },
    ]);
    expect(result.text).not.toContain("cost_in_usd_ticks");
  });

  test("CRLF and CR framing, comments, an event split inside its CRLF, a last event without a blank line", async () => {
    const usage =
      '{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}';
    const input =
      `: keep-alive\r\n\r\ndata: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\r\n\r\ndata: ${usage}\r\r` +
      "data: [DONE]";
    for (const pieceSize of [1, 2, 3, 5, 1000]) {
      const kept = await pass(input, false, pieceSize);
      expect(kept.text).toBe(input);
      expect(kept.usages).toMatchObject([{ inputTokens: 3, outputTokens: 4 }]);
      const stripped = await pass(input, true, pieceSize);
      expect(stripped.text).toBe(input.replace(`data: ${usage}\r\r`, ""));
    }
  });

  test("a chunk with `usage: null` is not parsed as usage", async () => {
    const input =
      'data: {"choices":[],"usage":null}\n\ndata: {"choices":[{"delta":{"content":"\\"usage\\": {"}}],"usage":null}\n\n';
    const result = await pass(input, true, 9);
    expect(result.text).toBe(input);
    expect(result.usages).toEqual([]);
  });

  test("each event goes out as soon as its blank line arrives; only an incomplete event waits", async () => {
    const encoder = new TextEncoder();
    let upstream!: ReadableStreamDefaultController<Uint8Array>;
    const source = new ReadableStream<Uint8Array>({
      start: (controller) => {
        upstream = controller;
      },
    });
    const reader = createOpenAiPassthroughStream(source, {
      stripUsageChunk: false,
      onUsage: () => {},
    }).getReader();
    const decoder = new TextDecoder();

    upstream.enqueue(encoder.encode('data: {"a":1}\n\ndata: {"b"'));
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"a":1}\n\n');
    upstream.enqueue(encoder.encode(":2}\n"));
    upstream.enqueue(encoder.encode("\n"));
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"b":2}\n\n');
    upstream.close();
    expect((await reader.read()).done).toBe(true);
  });
});
