// Bedrock's Converse and Cohere's Chat v2 count thinking inside their output tokens without
// saying how much (issue 16): the gateway estimates reasoning tokens from the thinking text it
// read, four characters a token, at most the output count, plain and streamed. Expected numbers
// are worked out from the recordings by hand.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import { eventFrame } from "../../simulator/formats/bedrock/converse-stream.ts";
import { recordedStream, recording } from "./providers-cohere-helpers.ts";

const BEDROCK = join(import.meta.dir, "../fixtures/provider-recordings/amazon-bedrock");
const CLAUDE_ON_BEDROCK = { model: "anthropic.claude-3-7-sonnet-20250219-v1:0" };

async function lastUsage(events: AsyncIterable<CanonicalStreamEvent>) {
  let usage: Partial<CanonicalUsage> = {};
  for await (const event of events)
    if (event.type === "usage") usage = { ...usage, ...event.usage };
  return usage;
}

function bedrockFrames(name: string): ReadableStream<Uint8Array> {
  const frames = readFileSync(join(BEDROCK, name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [type, payload] = Object.entries(JSON.parse(line))[0] as [string, unknown];
      return eventFrame(type, payload);
    });
  return new ReadableStream({
    start(controller) {
      for (const frame of frames) controller.enqueue(frame);
      controller.close();
    },
  });
}

describe("Bedrock", () => {
  test("a Converse answer: 76 characters of reasoning are 19 of its 78 output tokens", () => {
    const body = JSON.parse(readFileSync(join(BEDROCK, "amazon-bedrock-reasoning.json"), "utf8"));
    const { usage } = bedrockAdapter.parseResponse(body, CLAUDE_ON_BEDROCK).value;
    expect(usage.outputTokens).toBe(78);
    expect(usage.reasoningTokens).toBe(19);
  });

  test("a ConverseStream: 116 characters of streamed reasoning are 29 tokens, counted at the metadata event", async () => {
    const usage = await lastUsage(
      bedrockAdapter.parseStream(
        bedrockFrames("amazon-bedrock-reasoning.chunks.txt"),
        CLAUDE_ON_BEDROCK,
      ),
    );
    expect(usage.outputTokens).toBe(94);
    expect(usage.reasoningTokens).toBe(29);
  });

  test("no reasoning, no reasoning tokens", () => {
    const body = JSON.parse(readFileSync(join(BEDROCK, "amazon-bedrock-text.json"), "utf8"));
    expect(bedrockAdapter.parseResponse(body).value.usage.reasoningTokens).toBe(0);
  });
});

describe("Cohere", () => {
  test("a Chat v2 answer: 91 characters of thinking are 23 of its 578 billed output tokens", async () => {
    const { usage } = cohereAdapter.parseResponse(await recording("cohere-reasoning.json")).value;
    expect(usage.outputTokens).toBe(578);
    expect(usage.reasoningTokens).toBe(23);
  });

  test("a Chat v2 stream: 162 characters of streamed thinking are 41 tokens", async () => {
    const usage = await lastUsage(
      cohereAdapter.parseStream(await recordedStream("cohere-reasoning.chunks.txt")),
    );
    expect(usage.outputTokens).toBe(50);
    expect(usage.reasoningTokens).toBe(41);
  });

  test("no thinking, no reasoning tokens", async () => {
    const { usage } = cohereAdapter.parseResponse(await recording("cohere-text.json")).value;
    expect(usage.reasoningTokens).toBe(0);
  });
});
