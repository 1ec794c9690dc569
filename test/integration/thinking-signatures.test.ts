// Thinking signatures across vendors, end to end (issue 16): a conversation whose first turn is
// Gemini's and whose second is Claude's, through the official Anthropic and OpenAI SDKs. What the
// simulator received for Claude holds no Gemini signature (the answer says what was dropped in
// X-Modelux-Warnings), and Gemini gets its own signature back byte for byte on the third turn.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

interface Received {
  raw_body: string;
  body: Record<string, unknown>;
}

const GEMINI_SEAL = "mlx:v1:gemini:";

describe("thinking signatures across vendors", () => {
  let harness: GatewayHarness;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeAll(() => {
    harness = startGatewayHarness();
    anthropic = anthropicClient(harness);
    openai = openAiClient(harness);
  });
  afterAll(() => harness.stop());

  /** The last request the simulator received in a vendor's format. */
  async function lastReceived(format: string): Promise<Received> {
    const calls = (await (await fetch(`${harness.simulator.url}/_sim/calls`)).json()) as {
      last: Record<string, Received>;
    };
    const last = calls.last[format];
    if (!last) throw new Error(`the simulator received nothing in the ${format} format`);
    return last;
  }

  test("Anthropic SDK: Gemini's thinking never reaches Claude, and goes back to Gemini intact", async () => {
    const thinking = { type: "enabled" as const, budget_tokens: 1024 };
    const question = { role: "user" as const, content: "Think about the sky, then answer." };
    const first = await anthropic.messages.create({
      model: "@google",
      max_tokens: 2048,
      thinking,
      messages: [question],
    });
    const geminiThinking = first.content.find((block) => block.type === "thinking");
    if (geminiThinking?.type !== "thinking") throw new Error("Gemini did not think");
    expect(geminiThinking.signature.startsWith(GEMINI_SEAL)).toBe(true);
    const geminiSignature = geminiThinking.signature.slice(GEMINI_SEAL.length);
    // Gemini's own bytes, as the simulator sent them.
    expect(JSON.stringify(await lastReceived("google"))).not.toContain(GEMINI_SEAL);

    const history = [question, { role: "assistant" as const, content: first.content }];
    const { data: second, response } = await anthropic.messages
      .create({
        model: "@anthropic",
        max_tokens: 2048,
        thinking,
        messages: [...history, { role: "user", content: "And the sea?" }],
      })
      .withResponse();
    expect(response.headers.get("x-modelux-provider-used")).toBe("anthropic");
    expect(response.headers.get("x-modelux-warnings")).toContain("foreign-signature:thinking");
    const toClaude = await lastReceived("anthropic");
    expect(toClaude.raw_body).not.toContain(geminiSignature);
    expect(toClaude.raw_body).not.toContain("mlx:");
    const claudeAssistant = (toClaude.body.messages as Array<{ content: unknown }>)[1];
    expect(claudeAssistant?.content).toEqual(
      first.content
        .filter((block) => block.type === "text")
        .map(({ type, text }) => ({ type, text })),
    );
    const claudeThinking = second.content.find((block) => block.type === "thinking");
    if (claudeThinking?.type !== "thinking") throw new Error("Claude did not think");
    // Claude's own signature reaches the client bare.
    expect(claudeThinking.signature.startsWith("mlx:")).toBe(false);

    const { response: third } = await anthropic.messages
      .create({
        model: "@google",
        max_tokens: 2048,
        thinking,
        messages: [
          ...history,
          { role: "user", content: "And the sea?" },
          { role: "assistant", content: second.content },
          { role: "user", content: "Thanks." },
        ],
      })
      .withResponse();
    const toGemini = await lastReceived("google");
    const parts = (toGemini.body.contents as Array<{ parts: Array<Record<string, unknown>> }>)[1]
      ?.parts;
    expect(parts?.find((part) => part.thought === true)?.thoughtSignature).toBe(geminiSignature);
    expect(toGemini.raw_body).not.toContain(claudeThinking.signature);
    expect(third.headers.get("x-modelux-warnings")).toContain("foreign-signature:thinking");
  });

  test("OpenAI SDK: the message sent back as it came gives Claude no Gemini signature", async () => {
    const question = { role: "user" as const, content: "Think about the sky, then answer." };
    const first = await openai.chat.completions.create({
      model: "@google",
      reasoning_effort: "low",
      messages: [question],
    });
    const message = first.choices[0]?.message as OpenAI.ChatCompletionMessage &
      Record<string, unknown>;
    const thinking = message["mlx:thinking"] as Array<{ signature?: string }>;
    const sealed = thinking.find((item) => item.signature)?.signature ?? "";
    expect(sealed.startsWith(GEMINI_SEAL)).toBe(true);
    const geminiSignature = sealed.slice(GEMINI_SEAL.length);

    const { response } = await openai.chat.completions
      .create({
        model: "@anthropic",
        reasoning_effort: "low",
        messages: [question, message, { role: "user", content: "And the sea?" }],
      })
      .withResponse();
    expect(response.headers.get("x-modelux-provider-used")).toBe("anthropic");
    const warnings = response.headers.get("x-modelux-warnings") ?? "";
    expect(warnings).toContain("foreign-signature:thinking");
    expect(warnings).toContain("foreign-signature:text");
    const toClaude = await lastReceived("anthropic");
    expect(toClaude.raw_body).not.toContain(geminiSignature);
    expect(toClaude.raw_body).not.toContain("mlx:");

    // The same history back to Gemini: its signature returns byte for byte, nothing is dropped.
    const { response: again } = await openai.chat.completions
      .create({
        model: "@google",
        reasoning_effort: "low",
        messages: [question, message, { role: "user", content: "And the sea?" }],
      })
      .withResponse();
    const toGemini = await lastReceived("google");
    expect(toGemini.raw_body).toContain(JSON.stringify(geminiSignature));
    expect(again.headers.get("x-modelux-warnings") ?? "").not.toContain("foreign-signature");
  });
});
