// The Responses surface's answer side, replayed from real recordings: a canonical answer (Claude,
// Gemini) as the Response object and as its stream event by event; the passthrough stream of
// OpenAI's and Azure's recorded Responses streams (bytes kept, usage read, the finished response
// handed over before its event, errors rewritten); a stored response replayed as a stream.
import { describe, expect, test } from "bun:test";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { checkResponsesRequest } from "../../dataplane/surfaces/responses/parse-request.ts";
import { createResponsesPassthrough } from "../../dataplane/surfaces/responses/passthrough-stream.ts";
import { readResponseAnswer } from "../../dataplane/surfaces/responses/read-answer.ts";
import { openReasoning } from "../../dataplane/surfaces/responses/reasoning-envelope.ts";
import { renderResponse } from "../../dataplane/surfaces/responses/render-response.ts";
import { renderResponsesStream } from "../../dataplane/surfaces/responses/render-stream.ts";
import { replayEvents } from "../../dataplane/surfaces/responses/replay.ts";
import type { ResponseShell } from "../../dataplane/surfaces/responses/response-object.ts";
import { RECORDINGS as ANTHROPIC, chunkLines, sseBody } from "./providers-anthropic-helpers.ts";
import {
  RECORDINGS as GOOGLE,
  sseBody as googleSse,
  readChunks,
  readJson,
} from "./providers-google-replay.ts";

const RESPONSES = new URL("../fixtures/provider-recordings/openai/responses/", import.meta.url);
const AZURE = new URL("../fixtures/provider-recordings/azure/", import.meta.url);
const ID = "resp_mlx0123456789abcdef0123456789abcdef";
/** A request asking for reasoning summaries. */
const SUMMARIES = { model: "@claude", input: "hi", reasoning: { effort: "low", summary: "auto" } };

function shell(body: Record<string, unknown> = { model: "@claude", input: "hi" }): ResponseShell {
  const { request } = checkResponsesRequest(body);
  return {
    id: ID,
    createdAt: 1_700_000_000,
    model: "served-model",
    request,
    tools: request.tools ?? [],
  };
}

interface SentEvent {
  event: string;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

function parseSse(text: string): SentEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? "";
      const data = JSON.parse(lines.find((line) => line.startsWith("data: "))?.slice(6) ?? "{}");
      return { event, data };
    });
}

async function render(events: AsyncIterable<CanonicalStreamEvent>, body?: Record<string, unknown>) {
  const stored: Array<Record<string, unknown>> = [];
  const stream = renderResponsesStream(events, shell(body), {
    async onComplete(response) {
      stored.push(response);
    },
  });
  return { sent: parseSse(await new Response(stream).text()), stored };
}

/** What every Responses stream must hold: numbering, items opened before use and closed once. */
function checkTaxonomy(sent: SentEvent[]): void {
  sent.forEach(({ event, data }, index) => {
    expect(data.sequence_number).toBe(index);
    expect(event).toBe(data.type);
  });
  expect(sent[0]?.event).toBe("response.created");
  expect(sent[1]?.event).toBe("response.in_progress");
  const open = new Set<string>();
  for (const { data } of sent) {
    const item = data.item as { id: string } | undefined;
    if (data.type === "response.output_item.added") open.add(item?.id ?? "");
    else if (data.type === "response.output_item.done")
      expect(open.delete(item?.id ?? "")).toBe(true);
    else if (typeof data.item_id === "string") expect(open.has(data.item_id)).toBe(true);
  }
  expect(open.size).toBe(0);
}

describe("translated answers as Response objects", () => {
  test("Claude's tool call: a function_call item, usage, the gateway's ids", async () => {
    const json = await Bun.file(new URL("anthropic-json-tool.1.json", ANTHROPIC)).json();
    const { value } = anthropicAdapter.parseResponse(json);
    const response = renderResponse(value, shell());
    expect(response).toMatchObject({
      id: ID,
      object: "response",
      status: "completed",
      model: "served-model",
      incomplete_details: null,
      usage: {
        input_tokens: value.usage.inputTokens,
        output_tokens: value.usage.outputTokens,
        total_tokens: value.usage.inputTokens + value.usage.outputTokens,
      },
    });
    const output = response.output as Array<Record<string, unknown>>;
    const call = output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({
      id: `fc_mlx${ID.slice(8)}_${output.indexOf(call as never)}`,
      status: "completed",
    });
    const block = value.content.find((item) => item.type === "tool-use");
    expect(JSON.parse(String(call?.arguments))).toEqual(
      block?.type === "tool-use" ? block.input : null,
    );
  });

  test("Claude's thinking with reasoning.summary: a reasoning item with its text as summary and its signature sealed", async () => {
    const json = await Bun.file(new URL("anthropic-clear-thinking.1.json", ANTHROPIC)).json();
    const { value } = anthropicAdapter.parseResponse(json);
    const thinking = value.content.find((block) => block.type === "thinking");
    expect(thinking).toBeDefined();
    const output = renderResponse(value, shell(SUMMARIES)).output as Array<Record<string, unknown>>;
    const reasoning = output.find((item) => item.type === "reasoning") as Record<string, unknown>;
    expect(reasoning.summary).toEqual([
      { type: "summary_text", text: thinking?.type === "thinking" ? thinking.text : "" },
    ]);
    const opened = openReasoning(String(reasoning.encrypted_content));
    expect(opened).toEqual({
      value: thinking?.type === "thinking" ? (thinking.signature ?? "") : "",
      redacted: false,
      origin: "claude",
    });
  });

  test("Claude's thinking without reasoning.summary: no summary, the text sealed with the signature", async () => {
    const json = await Bun.file(new URL("anthropic-clear-thinking.1.json", ANTHROPIC)).json();
    const { value } = anthropicAdapter.parseResponse(json);
    const thinking = value.content.find((block) => block.type === "thinking");
    if (thinking?.type !== "thinking") throw new Error("no thinking in the recording");
    const body = { model: "@claude", input: "hi", reasoning: { effort: "low" } };
    const output = renderResponse(value, shell(body)).output as Array<Record<string, unknown>>;
    const reasoning = output.find((item) => item.type === "reasoning") as Record<string, unknown>;
    expect(reasoning.summary).toEqual([]);
    expect(JSON.stringify(reasoning)).not.toContain(thinking.text.slice(0, 40));
    expect(openReasoning(String(reasoning.encrypted_content))).toEqual({
      value: thinking.signature ?? "",
      redacted: false,
      origin: "claude",
      text: thinking.text,
    });
  });

  test("an answer cut at max tokens is incomplete with its reason", async () => {
    const json = (await Bun.file(new URL("anthropic-text.json", ANTHROPIC)).json()) as Record<
      string,
      unknown
    >;
    const { value } = anthropicAdapter.parseResponse({ ...json, stop_reason: "max_tokens" });
    const response = renderResponse(value, shell({ model: "m", input: "x", max_output_tokens: 5 }));
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.max_output_tokens).toBe(5);
  });
});

describe("translated streams, event by event", () => {
  test("Claude's thinking then text, reasoning.summary set: reasoning summary events, then the message's", async () => {
    const lines = await chunkLines(ANTHROPIC, "anthropic-clear-thinking.1.chunks.txt");
    const { sent, stored } = await render(anthropicAdapter.parseStream(sseBody(lines)), SUMMARIES);
    checkTaxonomy(sent);
    const types = sent.map((event) => event.event);
    expect(types).toContain("response.reasoning_summary_part.added");
    expect(types).toContain("response.reasoning_summary_text.delta");
    expect(types).toContain("response.output_text.delta");
    expect(types.indexOf("response.reasoning_summary_text.done")).toBeLessThan(
      types.indexOf("response.output_text.delta"),
    );
    const completed = sent[sent.length - 1];
    expect(completed?.event).toBe("response.completed");
    expect(stored).toEqual([completed?.data.response as Record<string, unknown>]);
    const text = sent
      .filter((event) => event.event === "response.output_text.delta")
      .map((event) => event.data.delta)
      .join("");
    const output =
      (completed?.data.response as { output: Array<Record<string, unknown>> } | undefined)
        ?.output ?? [];
    const message = output.find((item) => item.type === "message") as {
      content: Array<{ text: string }>;
    };
    expect(message.content.map((part) => part.text).join("")).toBe(text);
    const reasoning = output.find((item) => item.type === "reasoning") as Record<string, unknown>;
    expect(openReasoning(String(reasoning.encrypted_content)).origin).toBe("claude");
  });

  test("Claude's thinking without reasoning.summary: the reasoning item alone, no summary events", async () => {
    const lines = await chunkLines(ANTHROPIC, "anthropic-clear-thinking.1.chunks.txt");
    const body = { model: "@claude", input: "hi", reasoning: { effort: "low" } };
    const { sent } = await render(anthropicAdapter.parseStream(sseBody(lines)), body);
    checkTaxonomy(sent);
    const types = sent.map((event) => event.event);
    expect(types.filter((type) => type.startsWith("response.reasoning_summary"))).toEqual([]);
    const done = sent.find(
      (event) =>
        event.event === "response.output_item.done" &&
        (event.data.item as { type: string }).type === "reasoning",
    )?.data.item as { summary: unknown[]; encrypted_content: string };
    expect(done.summary).toEqual([]);
    const opened = openReasoning(done.encrypted_content);
    expect(opened.origin).toBe("claude");
    expect(opened.text?.length).toBeGreaterThan(0);
    expect(opened.value.length).toBeGreaterThan(0);
  });

  test("Gemini's streamed tool call: function_call_arguments deltas and done, usage in completed", async () => {
    const chunks = readChunks(GOOGLE, "google-tool-call.chunks.txt");
    const { sent } = await render(googleAdapter.parseStream(googleSse(chunks, 41)));
    checkTaxonomy(sent);
    const done = sent.find((event) => event.event === "response.function_call_arguments.done");
    const deltas = sent.filter((event) => event.event === "response.function_call_arguments.delta");
    expect(deltas.map((event) => event.data.delta).join("")).toBe(String(done?.data.arguments));
    const completed = sent[sent.length - 1]?.data.response as {
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(completed.usage.input_tokens).toBeGreaterThan(0);
    expect(completed.usage.output_tokens).toBeGreaterThan(0);
  });

  test("a stream that ends without its end: an error event and response.failed, nothing stored", async () => {
    const lines = await chunkLines(ANTHROPIC, "anthropic-text.chunks.txt");
    const cut = lines.filter(
      (line) => !line.includes("message_stop") && !line.includes("message_delta"),
    );
    const { sent, stored } = await render(anthropicAdapter.parseStream(sseBody(cut)));
    const last = sent.slice(-2);
    expect(last.map((event) => event.event)).toEqual(["error", "response.failed"]);
    expect(last[0]?.data).toMatchObject({
      code: "upstream_error",
      message: expect.stringContaining("ended"),
    });
    expect(stored).toEqual([]);
  });

  test("the first events go out before the upstream has finished (never buffered)", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* events(): AsyncIterable<CanonicalStreamEvent> {
      yield { type: "message-start", id: "m", model: "x" };
      yield { type: "text-delta", index: 0, text: "Hel" };
      await gate;
      yield { type: "text-delta", index: 0, text: "lo" };
      yield { type: "message-end", stopReason: "end_turn" };
    }
    const reader = renderResponsesStream(events(), shell(), {
      onComplete: async () => {},
    }).getReader();
    let text = "";
    while (!text.includes("response.output_text.delta")) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"delta":"Hel"');
    release();
    await reader.cancel();
  });
});

/**
 * A recording as OpenAI sends it: `event:` and `data:` lines; `dataOnly`: `data:` lines alone, as
 * an OpenAI-compatible host may send them (the gateway then reads each event's `type`).
 */
async function openAiSse(folder: URL, name: string, dataOnly = false): Promise<string> {
  const text = await Bun.file(new URL(name, folder)).text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) =>
      dataOnly
        ? `data: ${line}\n\n`
        : `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`,
    )
    .join("");
}

/** The transform fed `sse` in pieces; `sentBefore`: what had been forwarded when it was handed on. */
async function passthrough(sse: string, pieceSize: number) {
  const usages: unknown[] = [];
  const finished: Array<{ response: Record<string, unknown>; sentBefore: string }> = [];
  let sent = "";
  const decoder = new TextDecoder();
  const emit = (bytes: Uint8Array) => {
    sent += decoder.decode(bytes);
  };
  const transform = createResponsesPassthrough({
    onUsage: (usage) => usages.push(usage),
    redact: (text) => text.replaceAll("billing", "[redacted]"),
    onFinished: (response) => {
      finished.push({ response, sentBefore: sent });
    },
  });
  const bytes = new TextEncoder().encode(sse);
  for (let offset = 0; offset < bytes.length; offset += pieceSize)
    await transform.transform(bytes.slice(offset, offset + pieceSize), emit);
  transform.flush(emit);
  return { sent, usages, finished };
}

describe("the passthrough stream", () => {
  test.each([
    [AZURE, "azure-text.1.chunks.txt"],
    [AZURE, "azure-tool-call.1.chunks.txt"],
    [RESPONSES, "openai-reasoning-encrypted-content.1.chunks.txt"],
  ])(
    "%s%s: bytes as sent, usage read, the response stored once its event has gone out",
    async (folder, name) => {
      const sse = await openAiSse(folder, name);
      const { sent, usages, finished } = await passthrough(sse, 53);
      expect(sent).toBe(sse);
      const completed = parseSse(sse).filter((event) => event.event === "response.completed");
      expect(finished.map((entry) => entry.response)).toEqual(
        completed.map((event) => event.data.response as never),
      );
      // Stored off the client's path: the event is forwarded first.
      for (const entry of finished)
        expect(entry.sentBefore).toContain(
          `"id":"${entry.response.id}","object":"response","created_at":${entry.response.created_at},"status":"completed"`,
        );
      const last = completed[completed.length - 1]?.data.response as {
        usage: Record<string, number>;
      };
      expect(usages[usages.length - 1]).toMatchObject({
        inputTokens: last.usage.input_tokens,
        outputTokens: last.usage.output_tokens,
      });
    },
  );

  test("events without an event line: told apart by their type, read and rewritten the same", async () => {
    const sse = await openAiSse(RESPONSES, "openai-reasoning-encrypted-content.1.chunks.txt", true);
    const { sent, usages, finished } = await passthrough(sse, 53);
    expect(sent).toBe(sse);
    // The recording holds four streams, each ending in response.completed.
    const completed = parseSse(sse).filter((event) => event.data.type === "response.completed");
    expect(completed).toHaveLength(4);
    expect(finished.map((entry) => entry.response)).toEqual(
      completed.map((event) => event.data.response as never),
    );
    expect(usages).toHaveLength(4);
    const failing = await openAiSse(RESPONSES, "openai-error.1.chunks.txt", true);
    const rewritten = await passthrough(failing, 31);
    expect(rewritten.sent).not.toContain("insufficient_quota");
    expect(rewritten.sent).toContain("[redacted]");
  });

  test.each([1, 31, 4096])(
    "an upstream error event and response.failed are written again, scrubbed, in the closed set (pieces of %i bytes)",
    async (pieceSize) => {
      const sse = await openAiSse(RESPONSES, "openai-error.1.chunks.txt");
      const { sent } = await passthrough(sse, pieceSize);
      const events = parseSse(sent);
      const error = events.find((event) => event.event === "error");
      expect(error?.data).toMatchObject({
        type: "error",
        sequence_number: 2,
        code: "upstream_error",
      });
      expect(String(error?.data.message)).toContain("[redacted]");
      expect(JSON.stringify(error?.data)).not.toContain("insufficient_quota");
      const failed = events.find((event) => event.event === "response.failed")?.data.response as {
        error: { code: string; message: string };
      };
      expect(failed.error.code).toBe("upstream_error");
      expect(failed.error.message).toContain("[redacted]");
      expect(sent.slice(0, sent.indexOf("event: error"))).toBe(
        sse.slice(0, sse.indexOf("event: error")),
      );
    },
  );
});

test("a passthrough answer is read for usage (reasoning tokens) and its text", async () => {
  const json = await Bun.file(
    new URL("openai-reasoning-encrypted-content.1.json", RESPONSES),
  ).json();
  const answer = readResponseAnswer(json);
  expect(answer.usage).toEqual({
    inputTokens: 865,
    outputTokens: 163,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 128,
  });
  expect(answer.content.map((block) => block.type)).toEqual(["thinking", "text"]);
  expect(answer.stopReason).toBe("end_turn");
});

test("a stored response replays as its stream; starting_after resumes after a sequence number", async () => {
  const json = (await Bun.file(
    new URL("openai-reasoning-encrypted-content.1.json", RESPONSES),
  ).json()) as Record<string, unknown>;
  const sent = parseSse(replayEvents(json, -1));
  checkTaxonomy(sent);
  expect(sent[sent.length - 1]?.data.response).toEqual(json);
  const text = sent
    .filter((event) => event.event === "response.output_text.delta")
    .map((event) => event.data.delta)
    .join("");
  expect(text).toBe("12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570");
  const resumed = parseSse(replayEvents(json, 4));
  expect(resumed[0]?.data.sequence_number).toBe(5);
  expect(resumed.length).toBe(sent.length - 5);
  void readJson;
});
