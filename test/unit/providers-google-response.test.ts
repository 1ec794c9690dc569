// The Gemini adapter reading whole responses: every recorded .json of the google folder, plus
// hand-written cases no recording covers (thought parts, parallel calls, blocked prompts).
import { describe, expect, test } from "bun:test";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { HAND_WRITTEN, RECORDINGS, readJson, recordingFiles } from "./providers-google-replay.ts";

interface RecordedPart {
  text?: string;
  thoughtSignature?: string;
  functionCall?: { name: string; args: unknown };
}
interface Recorded {
  candidates: Array<{ content: { parts: RecordedPart[] } }>;
  usageMetadata: {
    promptTokenCount: number;
    candidatesTokenCount: number;
    thoughtsTokenCount: number;
  };
  responseId: string;
  modelVersion: string;
}

const TEXT_CASES = ["google-text.json", "google-reasoning.json", "google-reasoning-gemini3.json"];
const TOOL_CASES = ["google-tool-call.json", "google-tool-call-gemini3.json"];

describe("recorded responses", () => {
  test("every recorded .json is replayed here or in the error tests", () => {
    const covered = new Set([...TEXT_CASES, ...TOOL_CASES, "google-429-retry-info.json"]);
    const jsons = recordingFiles().filter((name) => name.endsWith(".json"));
    expect(jsons.filter((name) => !covered.has(name))).toEqual([]);
  });

  for (const name of TEXT_CASES) {
    test(`${name}: text with its thoughtSignature, usage with thoughts as output`, () => {
      const recorded = readJson(RECORDINGS, name) as Recorded;
      const part = recorded.candidates[0]?.content.parts[0] as RecordedPart;
      const { value, warnings } = googleAdapter.parseResponse(recorded);
      expect(warnings).toEqual([]);
      expect(value.id).toBe(recorded.responseId);
      expect(value.model).toBe("gemini-3-pro-preview");
      expect(value.content).toEqual([
        {
          type: "text",
          text: part.text as string,
          signature: part.thoughtSignature as string,
          origin: "gemini",
        },
      ]);
      expect(value.content[0]?.type === "text" && value.content[0].text).toContain("strawberry");
      expect(value.stopReason).toBe("end_turn");
      const usage = recorded.usageMetadata;
      expect(value.usage).toEqual({
        inputTokens: usage.promptTokenCount,
        outputTokens: usage.candidatesTokenCount + usage.thoughtsTokenCount,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: usage.thoughtsTokenCount,
      });
    });
  }

  test("google-text.json: the numbers themselves", () => {
    const { value } = googleAdapter.parseResponse(readJson(RECORDINGS, "google-text.json"));
    expect(value.usage).toMatchObject({
      inputTokens: 9,
      outputTokens: 28 + 244,
      reasoningTokens: 244,
    });
  });

  for (const name of TOOL_CASES) {
    test(`${name}: a function call becomes tool use with a stable id and its signature`, () => {
      const recorded = readJson(RECORDINGS, name) as Recorded;
      const part = recorded.candidates[0]?.content.parts[0] as RecordedPart;
      const { value, warnings } = googleAdapter.parseResponse(recorded);
      expect(warnings).toEqual([]);
      expect(value.content).toEqual([
        {
          type: "tool-use",
          id: `call_${recorded.responseId}_0`,
          name: "weather",
          input: { location: "San Francisco" },
          signature: part.thoughtSignature as string,
          origin: "gemini",
        },
      ]);
      expect(value.stopReason).toBe("tool_use");
      expect(value.usage.inputTokens).toBe(29);
      expect(value.usage.outputTokens).toBe(15 + recorded.usageMetadata.thoughtsTokenCount);
      // Parsing twice gives the same ids: a client sending the history back finds its calls.
      expect(googleAdapter.parseResponse(recorded).value.content).toEqual(value.content);
    });
  }
});

describe("hand-written responses", () => {
  test("thought parts, a signature-only part, parallel calls and an unsupported part", () => {
    const { value, warnings } = googleAdapter.parseResponse(
      readJson(HAND_WRITTEN, "google-thought-parts.json"),
    );
    expect(value.content).toEqual([
      { type: "thinking", text: "**Planning**\n\nI should check the weather in both cities." },
      {
        type: "text",
        text: "Let me look both up.",
        signature: "c2lnbmF0dXJlLW9uZQ==",
        origin: "gemini",
      },
      // The text before it is signed already: the empty part keeps its own signature.
      { type: "text", text: "", signature: "c2lnbmF0dXJlLXR3bw==", origin: "gemini" },
      {
        type: "tool-use",
        id: "call_handWrittenThoughts01_0",
        name: "weather",
        input: { location: "Paris", days: [1, 2] },
        signature: "c2lnbmF0dXJlLXRocmVl",
        origin: "gemini",
      },
      {
        type: "tool-use",
        id: "call_handWrittenThoughts01_1",
        name: "weather",
        input: { location: "Rome" },
      },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual(["response.inlineData"]);
    expect(value.stopReason).toBe("tool_use");
    expect(value.usage).toEqual({
      inputTokens: 120,
      outputTokens: 70,
      cacheReadTokens: 64,
      cacheWriteTokens: 0,
      reasoningTokens: 30,
    });
  });

  test("a blocked prompt is a content filter stop with no content", () => {
    const { value } = googleAdapter.parseResponse(
      readJson(HAND_WRITTEN, "google-prompt-blocked.json"),
    );
    expect(value.content).toEqual([]);
    expect(value.stopReason).toBe("content_filter");
    expect(value.usage.inputTokens).toBe(12);
  });

  test("finishReason SAFETY without content is a content filter stop", () => {
    const { value } = googleAdapter.parseResponse(
      readJson(HAND_WRITTEN, "google-safety-finish.json"),
    );
    expect(value.content).toEqual([]);
    expect(value.stopReason).toBe("content_filter");
  });

  test("finish reasons", () => {
    const withFinish = (finishReason: string, parts: unknown[] = [{ text: "x" }]) =>
      googleAdapter.parseResponse({ candidates: [{ content: { parts }, finishReason }] }).value
        .stopReason;
    expect(withFinish("STOP")).toBe("end_turn");
    expect(withFinish("MAX_TOKENS")).toBe("max_tokens");
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"])
      expect(withFinish(reason)).toBe("content_filter");
    expect(withFinish("MALFORMED_FUNCTION_CALL")).toBe("error");
    expect(withFinish("LANGUAGE")).toBe("other");
    expect(withFinish("OTHER")).toBe("other");
  });

  test("a body of the wrong shape is read as empty, with a warning", () => {
    const { value, warnings } = googleAdapter.parseResponse({ candidates: "nope" });
    expect(value.content).toEqual([]);
    expect(warnings[0]?.type).toBe("unexpected-response");
  });
});
