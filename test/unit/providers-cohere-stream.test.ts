// The Cohere adapter reads every recorded Chat v2 stream (test/fixtures/provider-recordings/cohere)
// into canonical events, framed as Cohere sends them and cut into uneven pieces; hand-written
// streams cover `null` arguments, mixed content and tool indexes, ERROR, and a cut stream.
import { describe, expect, test } from "bun:test";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import {
  bytesStream,
  COHERE_HAND_WRITTEN,
  collect,
  recordedStream,
  summarize,
} from "./providers-cohere-helpers.ts";

const parse = async (name: string, options: Parameters<typeof recordedStream>[1] = {}) => {
  const events = await collect(cohereAdapter.parseStream(await recordedStream(name, options)));
  return { events, summary: summarize(events) };
};

describe("cohereAdapter.parseStream on the recordings", () => {
  test("cohere-text.chunks.txt", async () => {
    const { events, summary } = await parse("cohere-text.chunks.txt");
    expect(events[0]).toEqual({
      type: "message-start",
      id: "321d178c-2c12-44d3-ae42-2f5510f6b1cc",
      model: "",
    });
    expect(summary.text).toBe("The capital of France is Paris.");
    expect(summary.indexes).toEqual([0]);
    expect(summary.usage).toEqual({
      inputTokens: 12,
      outputTokens: 7,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(summary.stopReason).toBe("end_turn");
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "end_turn" });
    expect(summary.errors).toEqual([]);
  });

  test("cohere-reasoning.chunks.txt: thinking at index 0, text at index 1", async () => {
    const { summary } = await parse("cohere-reasoning.chunks.txt");
    expect(summary.thinking).toBe(
      "The user is asking for the sum of 2 and 2. Since this is a straightforward arithmetic problem, I don't need to use any tools. I can calculate the answer directly.",
    );
    expect(summary.text).toBe("The answer to 2 + 2 is 4.");
    expect(summary.indexes).toEqual([0, 1]);
    expect(summary.usage).toMatchObject({ inputTokens: 8, outputTokens: 50 });
    expect(summary.stopReason).toBe("end_turn");
  });

  test("cohere-tool-call.chunks.txt: two calls, the tool plan skipped", async () => {
    const { summary } = await parse("cohere-tool-call.chunks.txt");
    expect(summary.text).toBe("");
    expect(summary.tools).toEqual([
      {
        index: 0,
        id: "weather_e8p4pn45zt0t",
        name: "weather",
        arguments: '{"location": "San Francisco"}',
        ended: true,
      },
      {
        index: 1,
        id: "cityAttractions_pyxssbwnq9fq",
        name: "cityAttractions",
        arguments: '{"city": "San Francisco"}',
        ended: true,
      },
    ]);
    expect(summary.usage).toMatchObject({ inputTokens: 119, outputTokens: 44 });
    expect(summary.stopReason).toBe("tool_use");
  });

  test("cohere-empty-tool-call.chunks.txt: no arguments at all become {}", async () => {
    const { summary } = await parse("cohere-empty-tool-call.chunks.txt");
    expect(summary.tools).toEqual([
      {
        index: 0,
        id: "currentTime_y46ar19t5gvw",
        name: "currentTime",
        arguments: "{}",
        ended: true,
      },
    ]);
    expect(summary.usage).toMatchObject({ inputTokens: 46, outputTokens: 14 });
    expect(summary.stopReason).toBe("tool_use");
  });

  test("framing does not matter: data lines only, one byte at a time, a [DONE] at the end", async () => {
    const text = await Bun.file(
      new URL("../fixtures/provider-recordings/cohere/cohere-text.chunks.txt", import.meta.url),
    ).text();
    const lines = text.split("\n").filter((line) => line !== "");
    const body = `${lines.map((line) => `data: ${line}\r\n\r\n`).join("")}data: [DONE]\n\n`;
    const summary = summarize(await collect(cohereAdapter.parseStream(bytesStream(body, 1))));
    expect(summary.text).toBe("The capital of France is Paris.");
    expect(summary.stopReason).toBe("end_turn");
  });
});

describe("cohereAdapter.parseStream on hand-written streams", () => {
  const handWritten = (name: string) => parse(name, { folder: COHERE_HAND_WRITTEN });

  test('arguments streamed as "nu" + "ll" become {}', async () => {
    const { summary } = await handWritten("cohere-stream-null-args.chunks.txt");
    expect(summary.tools).toEqual([
      {
        index: 0,
        id: "currentTime_handwritten1",
        name: "currentTime",
        arguments: "{}",
        ended: true,
      },
    ]);
  });

  test("content parts and tool calls share one index space; citations are skipped", async () => {
    const { summary } = await handWritten("cohere-stream-text-and-tool.chunks.txt");
    expect(summary.thinking).toBe("Need the weather.");
    expect(summary.text).toBe("Checking.");
    expect(summary.indexes).toEqual([0, 1]);
    expect(summary.tools).toEqual([
      {
        index: 2,
        id: "weather_handwritten2",
        name: "weather",
        arguments: '{"location":"Oslo"}',
        ended: true,
      },
    ]);
    expect(summary.stopReason).toBe("tool_use");
  });

  test("finish_reason ERROR ends the message with stop reason error", async () => {
    const { summary } = await handWritten("cohere-stream-error.chunks.txt");
    expect(summary.text).toBe("Partial");
    expect(summary.stopReason).toBe("error");
    expect(summary.errors).toEqual([]);
  });

  test("a stream cut before message-end ends with an error event", async () => {
    const { events, summary } = await handWritten("cohere-stream-cut.chunks.txt");
    expect(summary.text).toBe("The answer is");
    expect(summary.stopReason).toBeUndefined();
    expect(events.at(-1)).toEqual({
      type: "error",
      code: "upstream_error",
      message: "cohere: the stream ended before message-end",
    });
  });

  test("a payload that is not JSON ends the stream with an error", async () => {
    const body = 'event: message-start\ndata: {"id":"x","type":"message-start"}\n\ndata: {nope\n\n';
    const events = await collect(cohereAdapter.parseStream(bytesStream(body, 7)));
    expect(events).toEqual([
      { type: "message-start", id: "x", model: "" },
      {
        type: "error",
        code: "upstream_error",
        message: "cohere: the stream sent a payload that is not JSON",
      },
    ]);
  });

  test("a body that breaks off mid-read ends with an error event", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error("socket hang up"));
        sent = true;
        controller.enqueue(new TextEncoder().encode('data: {"id":"y","type":"message-start"}\n\n'));
      },
    });
    const summary = summarize(await collect(cohereAdapter.parseStream(body)));
    expect(summary.id).toBe("y");
    expect(summary.errors).toEqual([
      { code: "upstream_error", message: "cohere: the upstream stream was interrupted" },
    ]);
  });
});
