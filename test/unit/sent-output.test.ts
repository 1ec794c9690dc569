// What a stream has sent, counted for a stream whose usage never arrives: the generated text in
// the forwarded SSE events (escapes as one character, UTF-8 as characters), however many bytes
// went by before the count was asked for.
import { describe, expect, test } from "bun:test";
import { SentOutput, usageOfStream } from "../../dataplane/pipeline/sent-output.ts";

const encoder = new TextEncoder();
const chatEvent = (text: string) =>
  encoder.encode(
    `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`,
  );

describe("SentOutput", () => {
  test("counts the text fields of forwarded events: escapes and multi-byte characters as one", () => {
    const sent = new SentOutput(["content", "arguments"]);
    sent.countBytes(chatEvent("héllo"));
    sent.countBytes(chatEvent('a "quoted" word\n'));
    sent.countBytes(encoder.encode('data: {"delta":{"arguments":"{\\"x\\":1}"}}\n\n'));
    // 5 + 16 + 7 characters as the client decodes them.
    expect(sent.characters).toBe(5 + 16 + 7);
    expect(sent.outputTokens).toBe(Math.ceil(28 / 4));
  });

  test("a long stream is counted the same as its events one by one (more than it holds at once)", () => {
    const sent = new SentOutput(["content"]);
    const texts = Array.from(
      { length: 400 },
      (_, index) => `token-${index}-${"x".repeat(index % 50)}`,
    );
    for (const text of texts) sent.countBytes(chatEvent(text));
    const expected = texts.reduce((total, text) => total + text.length, 0);
    // 400 events of ~100-150 bytes: well past what is held before counting.
    expect(sent.characters).toBe(expected);
    // Asked again after more went by: the count goes on from there.
    sent.countBytes(chatEvent("end"));
    expect(sent.characters).toBe(expected + 3);
  });

  test("a surface without text fields counts nothing; translated events count by their text", () => {
    const none = new SentOutput();
    none.countBytes(chatEvent("ignored"));
    expect(none.characters).toBe(0);
    const translated = new SentOutput(["content"]);
    translated.countEvent({ type: "text-delta", text: "abc" } as { type: string });
    translated.countEvent({ type: "tool-call-delta", argumentsDelta: "{}" } as { type: string });
    translated.countBytes(chatEvent("de"));
    expect(translated.characters).toBe(3 + 2 + 2);
  });

  test("usage: the upstream's when the stream completed with it, else estimated from what was sent", () => {
    const sent = new SentOutput(["content"]);
    sent.countBytes(chatEvent("x".repeat(40)));
    const upstream = {
      inputTokens: 12,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    };
    expect(usageOfStream(upstream, sent, 99, true)).toEqual({ usage: upstream, estimated: false });
    // Cut after 40 characters (10 tokens) with the upstream's partial count at 3: the sent text.
    expect(usageOfStream(upstream, sent, 99, false)).toEqual({
      usage: { ...upstream, outputTokens: 10 },
      estimated: true,
    });
    expect(usageOfStream(null, sent, 99, false).usage?.inputTokens).toBe(99);
  });
});
