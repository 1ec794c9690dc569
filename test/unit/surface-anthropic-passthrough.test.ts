// The same-shape fast path's stream: the upstream's bytes reach the client unchanged and at
// once, event by event, while usage is read on the side.
import { describe, expect, test } from "bun:test";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { createAnthropicPassthroughStream } from "../../dataplane/surfaces/anthropic/passthrough-stream.ts";
import {
  bytesStream,
  chunkLines,
  collect,
  fold,
  RECORDINGS,
  readAll,
  recordingNames,
  splitMessages,
} from "./providers-anthropic-helpers.ts";

function sseText(lines: string[], lineEnding = "\n"): string {
  return lines
    .map(
      (line) =>
        `event: ${(JSON.parse(line) as { type: string }).type}${lineEnding}data: ${line}${lineEnding}${lineEnding}`,
    )
    .join("");
}

describe("createAnthropicPassthroughStream", () => {
  for (const name of recordingNames(".chunks.txt")) {
    test(`${name}: byte-identical, usage as the adapter reads it`, async () => {
      const lines = await chunkLines(RECORDINGS, name);
      const text = sseText(lines);
      for (const pieceSize of [3, 61, 4096]) {
        const usages: CanonicalUsage[] = [];
        const output = await readAll(
          createAnthropicPassthroughStream(bytesStream(text, pieceSize), {
            onUsage: (usage) => usages.push(usage),
          }),
        );
        expect(output).toBe(text);
        const messages = splitMessages(lines);
        if (messages.length === 1 && !name.startsWith("spliced")) {
          const events = await collect(anthropicAdapter.parseStream(bytesStream(text, 4096)));
          expect(usages.at(-1)).toEqual(fold(events).usage);
        }
      }
    });
  }

  test("each event goes out as soon as its blank line arrives; only a partial event waits", async () => {
    const lines = await chunkLines(RECORDINGS, "anthropic-text.chunks.txt");
    const first = sseText(lines.slice(0, 1));
    const second = sseText(lines.slice(1, 2));
    let upstream!: ReadableStreamDefaultController<Uint8Array>;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        upstream = controller;
      },
    });
    const usages: CanonicalUsage[] = [];
    const reader = createAnthropicPassthroughStream(source, {
      onUsage: (usage) => usages.push(usage),
    }).getReader();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();

    upstream.enqueue(encoder.encode(first + second.slice(0, 20)));
    expect(decoder.decode((await reader.read()).value)).toBe(first);
    expect(usages).toEqual([
      {
        inputTokens: 12,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    ]);
    upstream.enqueue(encoder.encode(second.slice(20)));
    expect(decoder.decode((await reader.read()).value)).toBe(second);
    upstream.enqueue(encoder.encode('event: ping\ndata: {"type":"ping"}'));
    upstream.close();
    expect(decoder.decode((await reader.read()).value)).toBe('event: ping\ndata: {"type":"ping"}');
    expect((await reader.read()).done).toBe(true);
  });

  test("CRLF line endings, split between chunks", async () => {
    const lines = await chunkLines(RECORDINGS, "anthropic-message-delta-input-tokens.chunks.txt");
    const text = sseText(lines, "\r\n");
    const usages: CanonicalUsage[] = [];
    for (const pieceSize of [1, 2, 3]) {
      const output = await readAll(
        createAnthropicPassthroughStream(bytesStream(text, pieceSize), {
          onUsage: (usage) => usages.push(usage),
        }),
      );
      expect(output).toBe(text);
      expect(usages.at(-1)).toMatchObject({ inputTokens: 61, outputTokens: 2 });
    }
  });

  test("an error event passes through untouched", async () => {
    const text =
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const usages: CanonicalUsage[] = [];
    const output = await readAll(
      createAnthropicPassthroughStream(bytesStream(text, 9), {
        onUsage: (usage) => usages.push(usage),
      }),
    );
    expect(output).toBe(text);
    expect(usages).toEqual([]);
  });
});
