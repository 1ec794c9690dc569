// Every recorded Chat Completions stream replayed through parseStream, cut into uneven byte
// pieces. Expected values are read off the recordings (joined deltas, the final usage chunk).
import { describe, expect, test } from "bun:test";
import type { ProviderAdapter } from "../../dataplane/providers/adapter.ts";
import { azureAdapter } from "../../dataplane/providers/azure/index.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { openAiCompatibleAdapters } from "../../dataplane/providers/openai-compatible/index.ts";
import {
  bytesStream,
  collect,
  rawSseStream,
  recordedStream,
  type StreamSummary,
  summarize,
} from "./providers-openai-helpers.ts";

const compatible = (name: string): ProviderAdapter => {
  const adapter = openAiCompatibleAdapters[name];
  if (!adapter) throw new Error(`no adapter ${name}`);
  return adapter;
};

async function replay(adapter: ProviderAdapter, path: string, done = true): Promise<StreamSummary> {
  const events = await collect(adapter.parseStream(await recordedStream(path, { done })));
  const summary = summarize(events);
  expect(summary.errors).toEqual([]);
  // Every stream opens with message-start and closes with message-end.
  expect(events[0]?.type).toBe("message-start");
  expect(events[events.length - 1]?.type).toBe("message-end");
  return summary;
}

describe("OpenAI and Azure", () => {
  test("openai/chat/openai-text.chunks.txt", async () => {
    const summary = await replay(openAiAdapter, "openai/chat/openai-text.chunks.txt");
    expect(summary.start).toEqual({
      id: "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0",
      model: "gpt-4.1-nano-2025-04-14",
    });
    expect(summary.text).toHaveLength(1724);
    expect(summary.text.startsWith("**Holiday Name:** Harmony Day")).toBe(true);
    expect(summary.text.endsWith("shared human experiences and mutual respect.")).toBe(true);
    expect(summary.indexes).toEqual([0]);
    expect(summary.usage).toEqual({
      inputTokens: 16,
      outputTokens: 300,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(summary.stopReason).toBe("end_turn");
  });

  test("openai/chat/azure-model-router.1.chunks.txt: prompt-filter chunk first, usage last", async () => {
    const summary = await replay(azureAdapter, "openai/chat/azure-model-router.1.chunks.txt");
    expect(summary.start).toEqual({
      id: "chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt",
      model: "gpt-5-nano-2025-08-07",
    });
    expect(summary.text).toBe("Capital of Denmark.");
    expect(summary.usage).toMatchObject({ inputTokens: 15, outputTokens: 78, reasoningTokens: 64 });
    expect(summary.stopReason).toBe("end_turn");
  });

  test("a stream that ends without [DONE] still ends cleanly", async () => {
    const summary = await replay(openAiAdapter, "openai/chat/openai-text.chunks.txt", false);
    expect(summary.stopReason).toBe("end_turn");
    expect(summary.usage?.outputTokens).toBe(300);
  });
});

describe("xAI", () => {
  test("openai-compatible/chat/xai-text.chunks.txt: thinking then text", async () => {
    const summary = await replay(compatible("xai"), "openai-compatible/chat/xai-text.chunks.txt");
    expect(summary.thinking).toHaveLength(1455);
    expect(summary.thinking.startsWith('First, the user said: "Say a single word')).toBe(true);
    expect(summary.text).toBe("Grok");
    expect(summary.indexes).toEqual([0, 1]);
    expect(summary.usage).toMatchObject({
      inputTokens: 12,
      outputTokens: 342,
      cacheReadTokens: 11,
      reasoningTokens: 340,
    });
  });

  test("openai-compatible/chat/xai-tool-call.chunks.txt: a whole tool call in one delta", async () => {
    const summary = await replay(
      compatible("xai"),
      "openai-compatible/chat/xai-tool-call.chunks.txt",
    );
    expect(summary.thinking).toHaveLength(1069);
    expect(summary.tools).toEqual([
      {
        index: 1,
        id: "call_79382389",
        name: "weather",
        arguments: '{"location":"San Francisco"}',
        ended: true,
      },
    ]);
    expect(summary.stopReason).toBe("tool_use");
    expect(summary.usage).toMatchObject({
      inputTokens: 307,
      outputTokens: 253,
      cacheReadTokens: 306,
      reasoningTokens: 227,
    });
  });

  test("xai/xai-text.chunks.txt and xai/xai-tool-call.chunks.txt", async () => {
    const text = await replay(compatible("xai"), "xai/xai-text.chunks.txt");
    expect(text).toMatchObject({
      thinking: "First, the user said",
      text: "Hello",
      stopReason: "end_turn",
    });
    expect(text.usage).toMatchObject({ inputTokens: 12, outputTokens: 291, reasoningTokens: 290 });
    const tool = await replay(compatible("xai"), "xai/xai-tool-call.chunks.txt");
    expect(tool.tools.map(({ id, name, arguments: args }) => ({ id, name, args }))).toEqual([
      { id: "call_55117580", name: "weather", args: '{"location":"San Francisco"}' },
    ]);
    expect(tool.usage).toMatchObject({ inputTokens: 291, outputTokens: 222, cacheReadTokens: 290 });
  });
});

describe("DeepSeek", () => {
  test("deepseek-reasoning.chunks.txt: usage in the finish chunk", async () => {
    const summary = await replay(
      compatible("deepseek"),
      "deepseek/chat/deepseek-reasoning.chunks.txt",
    );
    expect(summary.thinking).toHaveLength(606);
    expect(summary.thinking.endsWith("Thus, the answer is 3.")).toBe(true);
    expect(summary.text).toBe('The word "strawberry" contains three "r"s.');
    expect(summary.indexes).toEqual([0, 1]);
    expect(summary.usage).toMatchObject({
      inputTokens: 18,
      outputTokens: 219,
      reasoningTokens: 205,
    });
  });

  test("deepseek-text.chunks.txt: finish_reason length", async () => {
    const summary = await replay(compatible("deepseek"), "deepseek/chat/deepseek-text.chunks.txt");
    expect(summary.text).toHaveLength(1855);
    expect(summary.text.startsWith("## **Holiday Name:** Starlight Remembrance")).toBe(true);
    expect(summary.stopReason).toBe("max_tokens");
    expect(summary.usage).toMatchObject({ inputTokens: 13, outputTokens: 400 });
  });

  test("deepseek-tool-call.chunks.txt: arguments streamed piece by piece", async () => {
    const summary = await replay(
      compatible("deepseek"),
      "deepseek/chat/deepseek-tool-call.chunks.txt",
    );
    expect(summary.thinking).toHaveLength(191);
    expect(summary.tools).toEqual([
      {
        index: 1,
        id: "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF",
        name: "weather",
        arguments: '{"location": "San Francisco"}',
        ended: true,
      },
    ]);
    expect(summary.stopReason).toBe("tool_use");
    expect(summary.usage).toMatchObject({
      inputTokens: 339,
      outputTokens: 83,
      cacheReadTokens: 320,
      reasoningTokens: 39,
    });
  });
});

describe("Groq", () => {
  test("groq-text.chunks.txt: usage in the finish chunk (and in x_groq)", async () => {
    const summary = await replay(compatible("groq"), "groq/groq-text.chunks.txt");
    expect(summary.start?.id).toBe("chatcmpl-7eb08824-fb8d-47af-a1f0-3aa786f2d1f3");
    expect(summary.text).toHaveLength(3189);
    expect(summary.usage).toMatchObject({ inputTokens: 45, outputTokens: 662 });
  });

  test("groq-reasoning.chunks.txt: `reasoning` deltas", async () => {
    const summary = await replay(compatible("groq"), "groq/groq-reasoning.chunks.txt");
    expect(summary.thinking).toHaveLength(2952);
    expect(summary.text).toHaveLength(347);
    expect(summary.text.endsWith("**Final Answer**: $\\boxed{3}$")).toBe(true);
    expect(summary.usage).toMatchObject({
      inputTokens: 17,
      outputTokens: 1107,
      reasoningTokens: 963,
    });
  });

  test("groq-tool-call.chunks.txt", async () => {
    const summary = await replay(compatible("groq"), "groq/groq-tool-call.chunks.txt");
    expect(summary.tools).toEqual([
      { index: 0, id: "tk85n1k4m", name: "weather", arguments: "{}", ended: true },
    ]);
    expect(summary.usage).toMatchObject({ inputTokens: 210, outputTokens: 15 });
  });
});

describe("Mistral", () => {
  test("mistral-text.chunks.txt", async () => {
    const summary = await replay(compatible("mistral"), "mistral/mistral-text.chunks.txt");
    expect(summary.text).toBe("Hello, world! This is a test response.");
    expect(summary.usage).toMatchObject({ inputTokens: 13, outputTokens: 8 });
  });

  test("mistral-reasoning.chunks.txt: content arrays with thinking parts", async () => {
    const summary = await replay(compatible("mistral"), "mistral/mistral-reasoning.chunks.txt");
    expect(summary.thinking).toBe("The user is asking for 2+2. This is basic arithmetic. 2+2=4.");
    expect(summary.text).toBe("2 + 2 = 4");
    expect(summary.indexes).toEqual([0, 1]);
  });

  test("mistral-tool-call.chunks.txt: a tool call without index", async () => {
    const summary = await replay(compatible("mistral"), "mistral/mistral-tool-call.chunks.txt");
    expect(summary.tools).toEqual([
      {
        index: 0,
        id: "gSIMJiOkT",
        name: "weather",
        arguments: '{"location": "San Francisco"}',
        ended: true,
      },
    ]);
    expect(summary.usage).toMatchObject({ inputTokens: 124, outputTokens: 22 });
  });

  test("mistral-incremental-tool-call.chunks.txt: id only on the first delta", async () => {
    const summary = await replay(
      compatible("mistral"),
      "mistral/mistral-incremental-tool-call.chunks.txt",
    );
    expect(summary.tools).toEqual([
      {
        index: 0,
        id: "chatcmpl-tool-9f149c74c42f265b",
        name: "webSearchTool",
        arguments: '{"query": "current Berlin weather"}',
        ended: true,
      },
    ]);
    expect(summary.usage).toMatchObject({
      inputTokens: 171,
      outputTokens: 14,
      cacheReadTokens: 128,
    });
  });
});

describe("stream shapes no chunks.txt covers", () => {
  test("openai-compatible/chat/anthropic-fallback-tool-call.sse: text, then tool_calls[1] after it", async () => {
    const events = await collect(
      compatible("together").parseStream(
        await rawSseStream("openai-compatible/chat/anthropic-fallback-tool-call.sse"),
      ),
    );
    const summary = summarize(events);
    expect(summary.text).toBe("Reading it.");
    expect(summary.tools).toEqual([
      {
        index: 1,
        id: "toolu_sanitized",
        name: "read_file",
        arguments: '{"path": "a.txt"}',
        ended: true,
      },
    ]);
    expect(summary.usage).toBeUndefined();
    expect(summary.stopReason).toBe("tool_use");
    const types = events.map((event) => event.type);
    expect(types.indexOf("tool-call-end")).toBeLessThan(types.indexOf("message-end"));
  });

  test("a stream cut before its finish_reason ends with an error event", async () => {
    const sse =
      'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n';
    const summary = summarize(await collect(openAiAdapter.parseStream(bytesStream(sse, 10))));
    expect(summary.text).toBe("Hel");
    expect(summary.stopReason).toBeUndefined();
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0]?.code).toBe("upstream_error");
  });

  test("an error object inside the stream, and a payload that is not JSON", async () => {
    const rateLimited =
      'data: {"error":{"message":"Rate limit reached for sk-proj-abcdefgh1234","type":"tokens","code":"rate_limit_exceeded"}}\n\n';
    const first = summarize(await collect(openAiAdapter.parseStream(bytesStream(rateLimited, 16))));
    expect(first.errors).toEqual([
      { code: "rate_limited", message: "openai: Rate limit reached for [redacted]" },
    ]);
    const garbage = summarize(
      await collect(openAiAdapter.parseStream(bytesStream("data: {not json\n\n", 4))),
    );
    expect(garbage.errors[0]?.code).toBe("upstream_error");
  });

  test("a refusal streamed in `refusal` deltas", async () => {
    const sse = [
      '{"id":"c2","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","refusal":""}}]}',
      '{"id":"c2","model":"gpt-4o","choices":[{"index":0,"delta":{"refusal":"I can\'t"}}]}',
      '{"id":"c2","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
    ]
      .map((line) => `data: ${line}\n\n`)
      .join("");
    const summary = summarize(await collect(openAiAdapter.parseStream(bytesStream(sse, 7))));
    expect(summary.text).toBe("I can't");
    expect(summary.stopReason).toBe("refusal");
  });

  test("hosts that number every tool call 0: a new id is a new call", async () => {
    const sse = [
      '{"id":"c4","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}',
      '{"id":"c4","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"b","type":"function","function":{"name":"g","arguments":"{\\"x\\":1}"}}]}}]}',
      '{"id":"c4","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}',
    ]
      .map((line) => `data: ${line}\n\n`)
      .join("");
    const summary = summarize(await collect(openAiAdapter.parseStream(bytesStream(sse, 11))));
    expect(summary.tools).toEqual([
      { index: 0, id: "a", name: "f", arguments: "{}", ended: true },
      { index: 1, id: "b", name: "g", arguments: '{"x":1}', ended: true },
    ]);
  });

  test("a body that fails mid-way ends with an error event", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error("socket hang up"));
        sent = true;
        controller.enqueue(
          new TextEncoder().encode(
            'data: {"id":"c3","model":"m","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n',
          ),
        );
      },
    });
    const summary = summarize(await collect(openAiAdapter.parseStream(body)));
    expect(summary.text).toBe("a");
    // The runtime's text ("socket hang up") is not the caller's to read.
    expect(summary.errors[0]?.message).toBe("openai: the upstream stream was interrupted");
  });
});
