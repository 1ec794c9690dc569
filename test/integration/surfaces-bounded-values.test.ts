// Values a client sends are checked before anything goes upstream (issue 14, point 10): on
// embeddings `input`, `dimensions`, `encoding_format` and `user`; on chat and messages the
// numeric fields whose bounds the vendors define (n, seed, logit_bias, top_k). Each refusal is a
// 400 in the surface's shape naming the field, and the simulator (the upstream) never sees it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import {
  MAX_EMBEDDING_INPUTS,
  MAX_INPUT_CHARS,
  MAX_INPUT_TOKENS,
} from "../../dataplane/surfaces/openai/embeddings-request.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const EMBEDDING_MODEL = "openai/text-embedding-3-small";

/** Either surface's error body, as far as these tests read it. */
interface ErrorBody {
  type?: string;
  error: { type: string; message: string; param?: string | null };
}

describe("values bounded before they go upstream", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
  });
  afterAll(() => harness.stop());

  /** Upstream calls the simulator has received, all formats and models together. */
  async function upstreamCalls(): Promise<number> {
    const response = await fetch(`${harness.simulator.url}/_sim/calls`);
    const { counts } = (await response.json()) as {
      counts: Record<string, Record<string, number>>;
    };
    let total = 0;
    for (const perModel of Object.values(counts)) {
      for (const calls of Object.values(perModel)) total += calls;
    }
    return total;
  }

  async function post(path: string, body: unknown) {
    const response = await fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "x-api-key": HARNESS_KEY,
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ErrorBody };
  }

  /** A 400 in OpenAI's shape naming `param`, and nothing sent upstream. */
  async function expectOpenAiRefusal(path: string, body: unknown, param: string) {
    const before = await upstreamCalls();
    const { status, body: answer } = await post(path, body);
    expect({ status, param: answer.error?.param }).toEqual({ status: 400, param });
    expect(answer.error.type).toBe("invalid_request_error");
    expect(answer.error.message).toStartWith(`${param}: `);
    expect(await upstreamCalls()).toBe(before);
  }

  const embeddings = (fields: Record<string, unknown>) => ({
    model: EMBEDDING_MODEL,
    input: "hello",
    ...fields,
  });

  test("dimensions: 1e9 and other impossible sizes are refused by name", async () => {
    for (const dimensions of [1e9, 16_385, 0, -3, 1.5, "64", true]) {
      await expectOpenAiRefusal("/openai/v1/embeddings", embeddings({ dimensions }), "dimensions");
    }
  });

  test("100k inputs are refused on the count, before anything is read of them", async () => {
    const input = Array.from({ length: 100_000 }, (_, index) => `text ${index}`);
    await expectOpenAiRefusal("/openai/v1/embeddings", embeddings({ input }), "input");
    const justOver = Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => [1, 2]);
    await expectOpenAiRefusal("/openai/v1/embeddings", embeddings({ input: justOver }), "input");
  });

  test("inputs of the wrong shape or size name the input at fault", async () => {
    const cases: Array<[unknown, string]> = [
      [undefined, "input"],
      [null, "input"],
      [{ text: "x" }, "input"],
      ["", "input"],
      [[], "input"],
      ["x".repeat(MAX_INPUT_CHARS + 1), "input"],
      [["a", 5], "input[1]"],
      [["a", ""], "input[1]"],
      [[{}], "input[0]"],
      [[1, 2.5], "input[1]"],
      [[1, -1], "input[1]"],
      [[1, 2 ** 31], "input[1]"],
      [Array.from({ length: MAX_INPUT_TOKENS + 1 }, () => 1), "input"],
      [
        [
          [1, 2],
          [3, 1e300],
        ],
        "input[1][1]",
      ],
      [[[1, 2], []], "input[1]"],
      [[[1, 2], "text"], "input[1]"],
    ];
    for (const [input, param] of cases) {
      await expectOpenAiRefusal("/openai/v1/embeddings", embeddings({ input }), param);
    }
  });

  test("encoding_format and user are checked", async () => {
    for (const encoding_format of ["hex", 1]) {
      await expectOpenAiRefusal(
        "/openai/v1/embeddings",
        embeddings({ encoding_format }),
        "encoding_format",
      );
    }
    for (const user of [5, "u".repeat(1025)]) {
      await expectOpenAiRefusal("/openai/v1/embeddings", embeddings({ user }), "user");
    }
  });

  test("every input shape within the bounds still goes upstream (OpenAI SDK, base64 default)", async () => {
    const before = await upstreamCalls();
    const texts = Array.from({ length: MAX_EMBEDDING_INPUTS }, (_, index) => `t${index}`);
    const batch = await openai.embeddings.create({
      model: EMBEDDING_MODEL,
      input: texts,
      dimensions: 8,
    });
    expect(batch.data).toHaveLength(MAX_EMBEDDING_INPUTS);
    expect(batch.data[0]?.embedding).toHaveLength(8);
    const tokens = await openai.embeddings.create({
      model: EMBEDDING_MODEL,
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: "float",
      user: "end-user-1",
    });
    expect(tokens.data).toHaveLength(2);
    const single = await openai.embeddings.create({ model: EMBEDDING_MODEL, input: [7, 8, 9] });
    expect(single.data).toHaveLength(1);
    expect(await upstreamCalls()).toBe(before + 3);
  });

  test("chat: n, seed and logit_bias beyond OpenAI's bounds are refused by name", async () => {
    const chat = (fields: Record<string, unknown>) => ({
      model: "@openai",
      messages: [{ role: "user", content: "hi" }],
      ...fields,
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ n: 1000 }, "n"],
      [{ n: 0 }, "n"],
      [{ seed: 1e300 }, "seed"],
      [{ logit_bias: { "50256": 1000 } }, "logit_bias.50256"],
      [{ top_logprobs: 21, logprobs: true }, "top_logprobs"],
    ];
    for (const [fields, param] of cases) {
      await expectOpenAiRefusal("/openai/v1/chat/completions", chat(fields), param);
    }
    const accepted = await post(
      "/openai/v1/chat/completions",
      chat({ n: 2, seed: 42, logit_bias: { "50256": -100 } }),
    );
    expect(accepted.status).toBe(200);
  });

  test("messages: top_k beyond 32 bits is refused in Anthropic's shape", async () => {
    const before = await upstreamCalls();
    const { status, body } = await post("/anthropic/v1/messages", {
      model: "@anthropic",
      max_tokens: 16,
      top_k: 1e300,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(status).toBe(400);
    expect(body.type).toBe("error");
    expect(body.error.message).toStartWith("top_k: ");
    expect(await upstreamCalls()).toBe(before);
  });
});
