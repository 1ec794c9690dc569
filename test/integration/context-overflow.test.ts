// A prompt over the model's context window keeps each surface's standard marker whichever vendor
// refused it (issue 16): OpenAI clients look for `code: "context_length_exceeded"`, Anthropic
// clients (LangChain's ContextOverflowError) for "prompt is too long" in a 400
// invalid_request_error. The simulator answers each vendor's real overflow error.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

/** Each vendor's own overflow answer: status and body as the vendor writes them. */
const OVERFLOW: Record<string, { format: string; status: number; body: unknown }> = {
  anthropic: {
    format: "anthropic",
    status: 400,
    body: {
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "prompt is too long: 212345 tokens > 200000 maximum",
      },
    },
  },
  openai: {
    format: "openai",
    status: 400,
    body: {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
    },
  },
  google: {
    format: "google",
    status: 400,
    body: {
      error: {
        code: 400,
        message:
          "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        status: "INVALID_ARGUMENT",
      },
    },
  },
};

describe("context overflow across vendors", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const overflow = (vendor: string) => {
    const spec = OVERFLOW[vendor];
    if (!spec) throw new Error(`no overflow for ${vendor}`);
    return fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ model: "*", count: 1, ...spec }),
    });
  };

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterEach(() => fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" }));
  afterAll(() => harness.stop());

  for (const vendor of ["anthropic", "google", "openai"]) {
    for (const stream of [false, true]) {
      test(`${vendor} overflow → OpenAI surface${stream ? ", streamed" : ""}: context_length_exceeded`, async () => {
        await overflow(vendor);
        const error = await openai.chat.completions
          .create({
            model: `@${vendor}`,
            messages: [{ role: "user", content: "a very long prompt" }],
            stream,
          })
          .then(async (answer) => {
            if (stream) for await (const _ of answer as AsyncIterable<unknown>);
            return null;
          })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
        expect(apiError.status).toBe(400);
        expect(apiError.code).toBe("context_length_exceeded");
        expect(apiError.type).toBe("invalid_request_error");
      });

      test(`${vendor} overflow → Anthropic surface${stream ? ", streamed" : ""}: "prompt is too long"`, async () => {
        await overflow(vendor);
        const error = await anthropic.messages
          .create({
            model: `@${vendor}`,
            max_tokens: 16,
            messages: [{ role: "user", content: "a very long prompt" }],
            stream,
          })
          .then(async (answer) => {
            if (stream) for await (const _ of answer as AsyncIterable<unknown>);
            return null;
          })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        const apiError = error as InstanceType<typeof Anthropic.BadRequestError>;
        expect(apiError.status).toBe(400);
        const body = apiError.error as { error?: { type?: string; message?: string } };
        expect(body.error?.type).toBe("invalid_request_error");
        expect(body.error?.message).toContain("prompt is too long");
      });
    }
  }
});
