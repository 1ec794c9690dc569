// `model` is bounded on every surface, and no error message repeats a client's value whole
// (issue 14, "nothing lost": a 1.2 MB model name came back in the 400 and its trace row was
// larger than a NATS message). Clients are the official SDKs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { MAX_MODEL_CHARS } from "#shared/validation/client-text.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const HUGE_MODEL = "x".repeat(1_200_000);
/** Longer than any message here may be: a quote of a client value is cut to 100 characters. */
const MESSAGE_BOUND = 400;

describe("model bounded on every surface", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  /** The SDK's error: status, param (OpenAI) and message. */
  async function refusal(call: () => Promise<unknown>) {
    const error = await call().then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Error);
    const failure = error as { status?: number; param?: string | null; error?: unknown };
    // OpenAI's SDK holds the body's `error`, Anthropic's the whole body.
    const body = failure.error as { message?: string; error?: { message?: string } } | undefined;
    const message = (body?.error?.message ?? body?.message) as string;
    return { status: failure.status, param: failure.param, message };
  }

  test("OpenAI chat: a model longer than the bound is a 400 naming model, not echoed", async () => {
    const result = await refusal(() =>
      openai.chat.completions.create({
        model: HUGE_MODEL,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(result.status).toBe(400);
    expect(result.param).toBe("model");
    expect(result.message).toStartWith("model: ");
    expect(result.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("OpenAI chat: the bound itself is accepted as a length (the name is then unknown)", async () => {
    const atBound = `z${"y".repeat(MAX_MODEL_CHARS - 1)}`;
    const result = await refusal(() =>
      openai.chat.completions.create({
        model: atBound,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(result.status).toBe(400);
    expect(result.param).toBe("model");
    // Resolution's message, quoting the name cut to 100 characters.
    expect(result.message).toContain(`unknown model "${atBound.slice(0, 99)}…"`);
    expect(result.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("OpenAI embeddings: the same 400", async () => {
    const result = await refusal(() =>
      openai.embeddings.create({ model: HUGE_MODEL, input: "hello" }),
    );
    expect(result.status).toBe(400);
    expect(result.param).toBe("model");
    expect(result.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("Anthropic messages: the same 400, in Anthropic's shape", async () => {
    const result = await refusal(() =>
      anthropic.messages.create({
        model: HUGE_MODEL,
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(result.status).toBe(400);
    expect(result.message).toStartWith("model: ");
    expect(result.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("Anthropic count_tokens: the same 400", async () => {
    const result = await refusal(() =>
      anthropic.messages.countTokens({
        model: HUGE_MODEL,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(result.status).toBe(400);
    expect(result.message).toStartWith("model: ");
    expect(result.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("a long value in another field is not echoed whole by the validation message", async () => {
    const response = await fetch(`${harness.baseUrl}/openai/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "openai/text-embedding-3-small",
        input: "hello",
        encoding_format: "e".repeat(500_000),
      }),
    });
    const body = (await response.json()) as { error: { message: string; param: string } };
    expect(response.status).toBe(400);
    expect(body.error.param).toBe("encoding_format");
    expect(body.error.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  test("a long tag name is not echoed whole", async () => {
    const response = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "@openai",
        messages: [{ role: "user", content: "hi" }],
        "mlx:tags": { ["t".repeat(300_000)]: "v" },
      }),
    });
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status).toBe(400);
    expect(body.error.message.length).toBeLessThan(MESSAGE_BOUND);
  });
});
