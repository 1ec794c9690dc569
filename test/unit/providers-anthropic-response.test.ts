// Every non-streamed Messages recording through the adapter's parseResponse: the canonical
// answer is what reading the recording says it is. Server-tool and other blocks without a
// canonical form are skipped with a warning, never a crash.
import { describe, expect, test } from "bun:test";
import type { AssistantContent } from "#shared/canonical/content.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import {
  HAND_WRITTEN,
  RECORDINGS,
  readJson,
  recordingNames,
} from "./providers-anthropic-helpers.ts";

interface RawBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}
interface RawMessage {
  id: string;
  model: string;
  content: RawBlock[];
  stop_reason: string;
  stop_sequence?: string | null;
  usage: Record<string, number>;
}

/** What the canonical content must be, read straight off the recording. */
function expectedContent(message: RawMessage): AssistantContent[] {
  return message.content.flatMap((block): AssistantContent[] => {
    if (block.type === "text") return [{ type: "text", text: block.text ?? "" }];
    if (block.type === "thinking") {
      // Claude made every signature in these recordings.
      const signature = block.signature ?? "";
      return [{ type: "thinking", text: block.thinking ?? "", signature, origin: "claude" }];
    }
    if (block.type === "redacted_thinking")
      return [{ type: "redacted-thinking", data: block.data ?? "", origin: "claude" }];
    if (block.type === "tool_use") {
      return [{ type: "tool-use", id: block.id ?? "", name: block.name ?? "", input: block.input }];
    }
    return [];
  });
}

const KNOWN = new Set(["text", "thinking", "redacted_thinking", "tool_use"]);

describe("parseResponse replays every Messages recording", () => {
  for (const name of recordingNames(".json")) {
    test(name, async () => {
      const message = (await readJson(RECORDINGS, name)) as RawMessage;
      const { value, warnings } = anthropicAdapter.parseResponse(message);
      expect(value.id).toBe(message.id);
      expect(value.model).toBe(message.model);
      expect(value.content).toEqual(expectedContent(message));
      expect(value.stopReason).toBe(message.stop_reason as never);
      const usage = message.usage;
      const cacheRead = usage.cache_read_input_tokens ?? 0;
      const cacheWrite = usage.cache_creation_input_tokens ?? 0;
      expect(value.usage).toEqual({
        inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
        outputTokens: usage.output_tokens ?? 0,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
        reasoningTokens: expectedReasoning(message),
      });
      const skipped = new Set(
        message.content.map((block) => block.type).filter((type) => !KNOWN.has(type)),
      );
      const warned = warnings.filter((warning) => warning.type === "unsupported-content");
      expect(warned.map((warning) => warning.subject).sort()).toEqual(
        [...skipped].map((type) => `content.${type}`).sort(),
      );
    });
  }
});

describe("parseResponse, case by case", () => {
  test("text: content, id, usage", async () => {
    const { value, warnings } = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-text.json"),
    );
    expect(value).toEqual({
      id: "msg_01VdEjxAP5ahtHKrrRdNBteQ",
      model: "claude-sonnet-4-5-20250929",
      content: [
        {
          type: "text",
          text: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
        },
      ],
      stopReason: "end_turn",
      usage: {
        inputTokens: 12,
        outputTokens: 29,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
    expect(warnings).toEqual([]);
  });

  test("thinking keeps its signature byte for byte; thinking_tokens become reasoning tokens", async () => {
    const raw = (await readJson(
      RECORDINGS,
      "anthropic-claude-opus-5-reasoning-high.1.json",
    )) as RawMessage;
    const { value } = anthropicAdapter.parseResponse(raw);
    const thinking = value.content[0];
    expect(thinking?.type).toBe("thinking");
    if (thinking?.type !== "thinking") return;
    expect(thinking.signature).toBe(raw.content[0]?.signature as string);
    expect(thinking.signature?.startsWith("CAISqwQKhwEIEBgCKkAciZInI2gcLrwOU5o9XFlI")).toBe(true);
    expect(value.usage.reasoningTokens).toBe(139);
    expect(value.usage.reasoningTokens).toBeLessThanOrEqual(value.usage.outputTokens);
  });

  test("a tool call without arguments has input {}", async () => {
    const { value } = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-tool-no-args.json"),
    );
    expect(value.content[1]).toEqual({
      type: "tool-use",
      id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1",
      name: "updateIssueList",
      input: {},
    });
    expect(value.stopReason).toBe("tool_use");
  });

  test("refusal, with and without stop details", async () => {
    for (const name of ["anthropic-refusal.json", "anthropic-refusal-no-details.json"]) {
      const { value } = anthropicAdapter.parseResponse(await readJson(RECORDINGS, name));
      expect(value.stopReason).toBe("refusal");
      expect(value.content).toEqual([]);
    }
  });

  test("a fallback marker is skipped with a warning; the answer's text stays", async () => {
    const { value, warnings } = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-fallback.json"),
    );
    expect(value.content).toEqual([
      { type: "text", text: "The printing press was invented by Johannes Gutenberg around 1440." },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual(["content.fallback"]);
  });

  test("web search: server blocks skipped once per type, citations dropped with a warning", async () => {
    const { value, warnings } = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-web-search-tool.1.json"),
    );
    expect(value.content.every((block) => block.type === "text")).toBe(true);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "content.server_tool_use",
      "content.web_search_tool_result",
      "content.text.citations",
    ]);
  });

  test("programmatic tool calling: client tool calls called from code execution are kept", async () => {
    const { value } = anthropicAdapter.parseResponse(
      await readJson(RECORDINGS, "anthropic-programmatic-tool-calling.1.json"),
    );
    const calls = value.content.filter((block) => block.type === "tool-use");
    expect(calls).toHaveLength(4);
    expect(calls[0]).toMatchObject({ name: "rollDie", input: { player: "player2" } });
  });
});

describe("parseResponse, hand-written cases", () => {
  test("pause_turn after a server tool call", async () => {
    const { value } = anthropicAdapter.parseResponse(
      await readJson(HAND_WRITTEN, "anthropic-pause-turn.json"),
    );
    expect(value.stopReason).toBe("pause_turn");
    expect(value.content).toEqual([{ type: "text", text: "Let me search for that." }]);
  });

  test("redacted thinking, cache reads and writes", async () => {
    const { value } = anthropicAdapter.parseResponse(
      await readJson(HAND_WRITTEN, "anthropic-redacted-thinking.json"),
    );
    expect(value.content).toEqual([
      {
        type: "thinking",
        text: "The user wants a haiku about caches.",
        signature: "EqQBCgIYAhIM+hand/written+signature==/with+slashes==",
        origin: "claude",
      },
      {
        type: "redacted-thinking",
        data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP",
        origin: "claude",
      },
      { type: "text", text: "Warm lines wait in cache." },
    ]);
    expect(value.usage).toEqual({
      inputTokens: 2010,
      outputTokens: 90,
      cacheReadTokens: 1800,
      cacheWriteTokens: 200,
      reasoningTokens: 60,
    });
  });

  test("max_tokens and stop_sequence", async () => {
    const cut = anthropicAdapter.parseResponse(
      await readJson(HAND_WRITTEN, "anthropic-max-tokens.json"),
    );
    expect(cut.value.stopReason).toBe("max_tokens");
    const stopped = anthropicAdapter.parseResponse(
      await readJson(HAND_WRITTEN, "anthropic-stop-sequence.json"),
    );
    expect(stopped.value.stopReason).toBe("stop_sequence");
    expect(stopped.value.stopSequence).toBe("5");
  });

  test("the forced JSON tool's call comes back as the JSON text, ending the turn", async () => {
    const { value } = anthropicAdapter.parseResponse(
      await readJson(HAND_WRITTEN, "anthropic-json-tool-answer.json"),
    );
    expect(value.content).toEqual([{ type: "text", text: '{"city":"Paris","temperature":21}' }]);
    expect(value.stopReason).toBe("end_turn");
  });

  test("stop reasons Anthropic adds later map to other; the context window to max_tokens", () => {
    const base = { id: "msg_x", model: "m", content: [], usage: {} };
    expect(
      anthropicAdapter.parseResponse({ ...base, stop_reason: "something_new" }).value.stopReason,
    ).toBe("other");
    expect(
      anthropicAdapter.parseResponse({ ...base, stop_reason: "constructor" }).value.stopReason,
    ).toBe("other");
    expect(
      anthropicAdapter.parseResponse({ ...base, stop_reason: "model_context_window_exceeded" })
        .value.stopReason,
    ).toBe("max_tokens");
  });

  test("a body that is not a message is an upstream error, not a crash", () => {
    for (const body of [null, "text", 42, { content: "not an array" }]) {
      expect(() => anthropicAdapter.parseResponse(body)).toThrow(GatewayError);
    }
  });
});

/**
 * Anthropic's own thinking count where it gives one; otherwise the estimate from the thinking
 * text (four characters a token), never above output_tokens.
 */
function expectedReasoning(message: RawMessage): number {
  const usage = message.usage as unknown as {
    output_tokens?: number;
    output_tokens_details?: { thinking_tokens: number };
  };
  const characters = message.content
    .filter((block) => block.type === "thinking")
    .reduce((total, block) => total + (block.thinking ?? "").length, 0);
  const counted = usage.output_tokens_details?.thinking_tokens ?? Math.ceil(characters / 4);
  return Math.min(counted, usage.output_tokens ?? 0);
}
