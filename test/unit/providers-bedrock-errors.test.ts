// Bedrock failures and the cases no recording has, from hand-written fixtures
// (test/fixtures/hand-written/bedrock, README there): HTTP errors into the closed set,
// exception frames and cut streams into canonical error events, redacted reasoning, cache
// usage, guardrails and the emulated JSON answer.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import { eventFrame, exceptionFrame } from "../../simulator/formats/bedrock/converse-stream.ts";

const DIRECTORY = join(import.meta.dir, "../fixtures/hand-written/bedrock");
const fixture = (name: string) => readFileSync(join(DIRECTORY, name), "utf8");

function framesOf(name: string): Uint8Array[] {
  return fixture(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [type, payload] = Object.entries(JSON.parse(line))[0] as [string, { message: string }];
      return type.endsWith("Exception")
        ? exceptionFrame(type, payload.message)
        : eventFrame(type, payload);
    });
}

async function parse(chunks: Uint8Array[]): Promise<CanonicalStreamEvent[]> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const events: CanonicalStreamEvent[] = [];
  for await (const event of bedrockAdapter.parseStream(body)) events.push(event);
  return events;
}

describe("HTTP errors", () => {
  const cases = JSON.parse(fixture("bedrock-errors.json")) as Array<{
    status: number;
    errortype: string;
    body: Record<string, string>;
  }>;
  const expectedKinds = [
    "rate_limited",
    "rate_limited",
    "overloaded",
    "overloaded",
    "context_length",
    "context_length",
    "invalid_request",
    "auth",
    "auth",
    "auth",
    "timeout",
    "upstream_error",
    "upstream_error",
    "invalid_request",
  ];

  test("each hand-written error maps to its kind, with the type and message kept", () => {
    expect(cases.length).toBe(expectedKinds.length);
    cases.forEach((entry, index) => {
      const headers = new Headers({ "x-amzn-errortype": entry.errortype });
      const error = bedrockAdapter.parseError(entry.status, JSON.stringify(entry.body), headers);
      expect(error.kind).toBe(expectedKinds[index] as typeof error.kind);
      expect(error.status).toBe(entry.status);
      const type = entry.errortype.split(":")[0] as string;
      expect(error.message).toBe(`${type}: ${entry.body.message ?? entry.body.Message}`);
    });
  });

  test("without the header, __type in the body or the status decides", () => {
    const typed = bedrockAdapter.parseError(
      400,
      '{"__type":"com.amazon.coral.validate#ValidationException","message":"Input is too long for requested model."}',
      new Headers(),
    );
    expect(typed.kind).toBe("context_length");
    expect(bedrockAdapter.parseError(429, "", new Headers()).kind).toBe("rate_limited");
    expect(bedrockAdapter.parseError(502, "<html>bad gateway</html>", new Headers())).toEqual({
      kind: "upstream_error",
      // The page itself is never shown: it may be anything the address served.
      message: "HTTP 502 with a body that is not the provider's error shape",
      status: 502,
    });
  });

  test("retry-after is read and key-like text is redacted", () => {
    const error = bedrockAdapter.parseError(
      429,
      '{"message":"Rate exceeded for AKIAIOSFODNN7EXAMPLE"}',
      new Headers({ "x-amzn-errortype": "ThrottlingException", "retry-after": "3" }),
    );
    expect(error.retryAfterSeconds).toBe(3);
    expect(error.message).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });
});

describe("stream failures", () => {
  test("an exception frame ends the stream with a canonical error after the text so far", async () => {
    const events = await parse(framesOf("bedrock-stream-exception.chunks.txt"));
    expect(events.slice(1)).toEqual([
      { type: "text-delta", index: 0, text: "The first" },
      { type: "text-delta", index: 0, text: " words" },
      {
        type: "error",
        code: "rate_limited",
        message: "throttlingException: Too many tokens, please wait before trying again.",
      },
    ]);
  });

  test("other exception types map like HTTP errors", async () => {
    const [, event] = await parse([exceptionFrame("modelStreamErrorException", "boom")]);
    expect(event).toEqual({
      type: "error",
      code: "upstream_error",
      message: "modelStreamErrorException: boom",
    });
    const [, validation] = await parse([
      exceptionFrame("validationException", "Input is too long for requested model."),
    ]);
    expect(validation).toMatchObject({ type: "error", code: "context_length" });
  });

  test("a stream cut inside a frame, or before messageStop, ends with an error", async () => {
    const frames = framesOf("bedrock-stream-cache.chunks.txt");
    const whole = Buffer.concat(frames);
    const inside = await parse([whole.subarray(0, whole.length - 5)]);
    expect(inside.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
    expect(JSON.stringify(inside.at(-1))).toContain("ended inside a frame");
    const early = await parse(frames.slice(0, 3));
    expect(early.at(-1)).toEqual({
      type: "error",
      code: "upstream_error",
      message: "the Bedrock stream ended before messageStop",
    });
  });

  test("a corrupted frame (bad CRC) ends with an error instead of garbage", async () => {
    const frame = Buffer.from(framesOf("bedrock-stream-cache.chunks.txt")[1] as Uint8Array);
    frame.writeUInt8((frame.at(-10) as number) ^ 0xff, frame.length - 10);
    const events = await parse([frame]);
    expect(events.at(-1)).toMatchObject({ type: "error", code: "upstream_error" });
  });
});

describe("hand-written answers", () => {
  test("cache reads and writes count in the input; Claude's stop sequence is read", () => {
    const { value } = bedrockAdapter.parseResponse(
      JSON.parse(fixture("bedrock-cache-stop-sequence.json")),
    );
    expect(value.usage).toEqual({
      inputTokens: 37 + 2048 + 512,
      outputTokens: 11,
      cacheReadTokens: 2048,
      cacheWriteTokens: 512,
      reasoningTokens: 0,
    });
    expect(value.stopReason).toBe("stop_sequence");
    expect(value.stopSequence).toBe("END");
  });

  test("reasoning with signature, redacted reasoning, and a dropped unknown block", () => {
    // Claude on Bedrock writes Claude's signatures (the model tells; without one, Bedrock's).
    const { value, warnings } = bedrockAdapter.parseResponse(
      JSON.parse(fixture("bedrock-redacted-reasoning.json")),
      { model: "us.anthropic.claude-sonnet-4-20250514-v1:0" },
    );
    expect(value.content).toEqual([
      {
        type: "thinking",
        text: "The user asks for a summary.",
        signature: "EqQBCkYIBRgCKkBhand+written+signature==",
        origin: "claude",
      },
      {
        type: "redacted-thinking",
        data: "RXJyb3IgcmVkYWN0ZWQgdGhpbmtpbmcgaGFuZC13cml0dGVu",
        origin: "claude",
      },
      { type: "text", text: "Here is the summary." },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.subject).toBe("content[3].citationsContent");
  });

  test("a guardrail stop is a content filter", () => {
    const { value } = bedrockAdapter.parseResponse(JSON.parse(fixture("bedrock-guardrail.json")));
    expect(value.stopReason).toBe("content_filter");
  });

  test("the emulated JSON answer comes back as text and a finished turn", async () => {
    const { value } = bedrockAdapter.parseResponse(JSON.parse(fixture("bedrock-json-answer.json")));
    expect(value.content).toEqual([
      { type: "text", text: '{"city":"Paris","population":2102650}' },
    ]);
    expect(value.stopReason).toBe("end_turn");

    const events = await parse(framesOf("bedrock-stream-json-answer.chunks.txt"));
    expect(events.slice(1)).toEqual([
      { type: "text-delta", index: 0, text: '{"city":' },
      { type: "text-delta", index: 0, text: '"Paris"}' },
      {
        type: "usage",
        usage: {
          inputTokens: 80,
          outputTokens: 9,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
      { type: "message-end", stopReason: "end_turn" },
    ]);
  });

  test("a stream framed as Bedrock frames it (p padding) with cache usage", async () => {
    const events = await parse(framesOf("bedrock-stream-cache.chunks.txt"));
    const text = events.flatMap((event) => (event.type === "text-delta" ? [event.text] : []));
    expect(text.join("")).toBe("Routing keeps costs down");
    expect(events.at(-2)).toEqual({
      type: "usage",
      usage: {
        inputTokens: 1036,
        outputTokens: 3,
        cacheReadTokens: 1024,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
    expect(events.at(-1)).toEqual({ type: "message-end", stopReason: "max_tokens" });
  });
});
