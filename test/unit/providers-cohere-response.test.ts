// The Cohere adapter reads every recorded Chat v2 answer (test/fixtures/provider-recordings/cohere)
// into canonical: text, thinking, tool calls (with empty and `null` arguments), finish reasons and
// billed usage. Expected values are copied from the recordings themselves.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import {
  COHERE_RECORDINGS,
  PLAIN_CASES,
  recording,
  STREAM_CASES,
} from "./providers-cohere-helpers.ts";

test("every Cohere chat recording is replayed by these tests", () => {
  const files = readdirSync(fileURLToPath(COHERE_RECORDINGS), { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.includes("embedding"))
    .map((entry) => entry.name)
    .sort();
  expect(files).toEqual([...PLAIN_CASES, ...STREAM_CASES].sort());
});

describe("cohereAdapter.parseResponse on the recordings", () => {
  test("cohere-text.json: one text part, COMPLETE, billed units as usage", async () => {
    const { value, warnings } = cohereAdapter.parseResponse(await recording("cohere-text.json"));
    expect(value.id).toBe("e7592632-1e3d-424f-b129-bd5f9f980f7b");
    expect(value.content).toEqual([{ type: "text", text: "The capital of France is Paris." }]);
    expect(value.stopReason).toBe("end_turn");
    // billed_units 12/7; `tokens` (507/10) counts Cohere's unbilled preamble.
    expect(value.usage).toEqual({
      inputTokens: 12,
      outputTokens: 7,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(warnings).toEqual([]);
  });

  test("cohere-max-tokens.json: the cut text and MAX_TOKENS", async () => {
    const { value } = cohereAdapter.parseResponse(await recording("cohere-max-tokens.json"));
    expect(value.content).toEqual([{ type: "text", text: "**The History of" }]);
    expect(value.stopReason).toBe("max_tokens");
    expect(value.usage).toMatchObject({ inputTokens: 11, outputTokens: 4 });
  });

  test("cohere-reasoning.json: thinking first, then the text", async () => {
    const { value } = cohereAdapter.parseResponse(await recording("cohere-reasoning.json"));
    expect(value.content).toEqual([
      {
        type: "thinking",
        text: "Okay, so I need to figure out what 2 + 2 is. Let me start by recalling what addition means.",
      },
      { type: "text", text: "2 + 2 = 4" },
    ]);
    expect(value.stopReason).toBe("end_turn");
    expect(value.usage).toMatchObject({ inputTokens: 8, outputTokens: 578 });
  });

  test("cohere-tool-call.json: two calls with parsed arguments; the tool plan is not text", async () => {
    const { value, warnings } = cohereAdapter.parseResponse(
      await recording("cohere-tool-call.json"),
    );
    expect(value.content).toEqual([
      {
        type: "tool-use",
        id: "weather_dqgshstja6p9",
        name: "weather",
        input: { location: "San Francisco" },
      },
      {
        type: "tool-use",
        id: "cityAttractions_dcxfx4myvx68",
        name: "cityAttractions",
        input: { city: "San Francisco" },
      },
    ]);
    expect(value.stopReason).toBe("tool_use");
    expect(value.usage).toMatchObject({ inputTokens: 119, outputTokens: 52 });
    expect(warnings).toEqual([]);
  });

  test('cohere-null-args.json: arguments "null" become an empty object', async () => {
    const { value, warnings } = cohereAdapter.parseResponse(
      await recording("cohere-null-args.json"),
    );
    expect(value.content).toEqual([
      { type: "tool-use", id: "currentTime_tf4dywn8wgnk", name: "currentTime", input: {} },
    ]);
    expect(value.stopReason).toBe("tool_use");
    expect(value.usage).toMatchObject({ inputTokens: 46, outputTokens: 14 });
    expect(warnings).toEqual([]);
  });

  test("cohere-citations.json: the text is kept, the three citations dropped with a warning", async () => {
    const { value, warnings } = cohereAdapter.parseResponse(
      await recording("cohere-citations.json"),
    );
    expect(value.content).toEqual([
      {
        type: "text",
        text: "The key benefits mentioned in this document are:\n1. Automation of tasks\n2. Better decision-making\n3. Cost reduction",
      },
    ]);
    expect(value.usage).toMatchObject({ inputTokens: 39, outputTokens: 27 });
    expect(warnings).toEqual([
      expect.objectContaining({ type: "unsupported-content", subject: "citations" }),
    ]);
    expect(warnings[0]?.message).toContain("3 Cohere citations");
  });
});

describe("cohereAdapter.parseResponse on shapes no recording has", () => {
  test("finish reasons", () => {
    const stop = (finish_reason: string) =>
      cohereAdapter.parseResponse({ id: "x", message: { content: [] }, finish_reason }).value
        .stopReason;
    expect(stop("STOP_SEQUENCE")).toBe("stop_sequence");
    expect(stop("ERROR")).toBe("error");
    expect(stop("TIMEOUT")).toBe("error");
    expect(stop("ERROR_TOXIC")).toBe("content_filter");
    expect(stop("SOMETHING_NEW")).toBe("other");
  });

  test("usage falls back to `tokens` when billed units are missing", () => {
    const { value } = cohereAdapter.parseResponse({
      id: "x",
      message: { content: "plain string content" },
      finish_reason: "COMPLETE",
      usage: { tokens: { input_tokens: 30, output_tokens: 4 } },
    });
    expect(value.content).toEqual([{ type: "text", text: "plain string content" }]);
    expect(value.usage).toMatchObject({ inputTokens: 30, outputTokens: 4 });
  });

  test("arguments that are not JSON are kept as a string with a warning", () => {
    const { value, warnings } = cohereAdapter.parseResponse({
      id: "x",
      message: {
        tool_calls: [{ id: "t_1", type: "function", function: { name: "t", arguments: "{oops" } }],
      },
      finish_reason: "TOOL_CALL",
    });
    expect(value.content).toEqual([{ type: "tool-use", id: "t_1", name: "t", input: "{oops" }]);
    expect(warnings[0]?.subject).toBe("tool_calls.arguments");
  });

  test("a body that is not a Chat v2 response is an upstream error", () => {
    expect(() => cohereAdapter.parseResponse({ message: 42 })).toThrow("not a Chat v2 response");
  });
});
