import { describe, expect, test } from "bun:test";
import { planAnswer } from "../../simulator/common/answer.ts";
import { createRandom } from "../../simulator/common/random.ts";
import { generateText } from "../../simulator/common/text.ts";
import { countTokens, splitTokens, takeTokens } from "../../simulator/common/tokens.ts";
import { parseServerSentEvents } from "../../simulator/testing/server-sent-events.ts";

describe("simulator token counter", () => {
  test("words and numbers are one token each, other characters one each, whitespace free", () => {
    expect(countTokens("Hello, world!")).toBe(4);
    expect(countTokens("  route 42 requests  ")).toBe(3);
    expect(countTokens('{"city":"Paris"}')).toBe(9);
    expect(countTokens("naïve café")).toBe(2);
    expect(countTokens("ok 👍")).toBe(2);
    expect(countTokens("")).toBe(0);
  });

  test("split pieces are tokens that join back to the text", () => {
    for (const text of [
      "Hello, world!",
      "  lead and trail  ",
      '{"a":[1,2]}',
      "emoji 👍👍 pair",
      "x",
    ]) {
      const pieces = splitTokens(text);
      expect(pieces.join("")).toBe(text);
      expect(pieces.length).toBe(countTokens(text));
      for (const piece of pieces) expect(countTokens(piece)).toBe(1);
    }
  });

  test("takeTokens keeps a prefix of whole tokens", () => {
    expect(takeTokens("one two, three", 3)).toBe("one two,");
  });

  test("generated text has exactly the tokens asked for and ends a sentence", () => {
    for (let seed = 0; seed < 50; seed++) {
      const wanted = 1 + ((seed * 7) % 90);
      const text = generateText(createRandom(seed), wanted);
      expect(countTokens(text)).toBe(wanted);
      expect(text.endsWith(".")).toBe(true);
    }
  });

  test("answers are seeded: same conversation, same words; another, other words", () => {
    const base = {
      lastUserText: "hi",
      tools: [],
      toolChoice: { kind: "auto" } as const,
      responseFormat: { kind: "text" } as const,
      maxTokens: undefined,
      stopSequences: [],
      reasoning: undefined,
    };
    const first = planAnswer({ ...base, seedText: "model\nhello" });
    const again = planAnswer({ ...base, seedText: "model\nhello" });
    const other = planAnswer({ ...base, seedText: "model\nhello!" });
    expect(again).toEqual(first);
    expect(other.content).not.toEqual(first.content);
    expect(first.outputTokens).toBeGreaterThanOrEqual(20);
    expect(first.outputTokens).toBeLessThanOrEqual(80);
  });
});

describe("server-sent events reader", () => {
  test("reads event names, multi-line data and comments as the spec says", () => {
    const events = parseServerSentEvents(
      ": comment\r\nevent: ping\r\ndata: {}\r\n\r\ndata: a\ndata: b\n\ndata: lost",
    );
    expect(events).toEqual([
      { event: "ping", data: "{}" },
      { event: "message", data: "a\nb" },
    ]);
  });
});
