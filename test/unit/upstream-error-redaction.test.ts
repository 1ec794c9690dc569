// Upstream error text on its way to a caller: the org's credentials and key-shaped strings are
// scrubbed, and an error event inside a fast-path stream is written again in the surface's shape
// (issue 14, point 1), in any chunking.
import { describe, expect, test } from "bun:test";
import { createRedactor, secretsOfCredential } from "#shared/errors/redact.ts";
import { upstreamToGatewayError } from "#shared/errors/upstream-error.ts";
import { createAnthropicPassthroughStream } from "../../dataplane/surfaces/anthropic/passthrough-stream.ts";
import { createOpenAiPassthroughStream } from "../../dataplane/surfaces/openai/passthrough-stream.ts";
import { bytesStream } from "./providers-openai-helpers.ts";

const ORG_CREDENTIAL = "plain-org-credential-without-shape";
const redact = createRedactor([ORG_CREDENTIAL]);

describe("createRedactor", () => {
  test("the org's credentials, exactly and percent-encoded, and key-shaped strings go", () => {
    const text = [
      `key ${ORG_CREDENTIAL} and ${encodeURIComponent("pass word/with+marks")}`,
      "sk-proj-Zx81kLm29QpT4vWn7Yr3 sk-ant-api03-AbCdEfGh1234567890",
      "sk-proj-********************************abcd",
      "AKIAIOSFODNN7EXAMPLE AIzaSyD-1234567890abcdefghijklmnopqrs",
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
      "mlx_sk_abcdefghijklmnop0123 mlx_mk_abcdefghijklmnop0123",
      "0123456789abcdef0123456789abcdef01234567 QWxhZGRpbjpvcGVuIHNlc2FtZQ0123456789AbCd",
      "https://x.test/v1?key=hunter2hunter2 api_key: abcdefgh12345678",
    ].join("\n");
    const scrubbed = createRedactor([ORG_CREDENTIAL, "pass word/with+marks"])(text);
    for (const secret of [
      ORG_CREDENTIAL,
      "pass%20word",
      "Zx81kLm29QpT4vWn7Yr3",
      "AbCdEfGh1234567890",
      "abcd",
      "IOSFODNN7EXAMPLE",
      "1234567890abcdefghijklmnopqrs",
      "eyJhbGciOiJIUzI1NiJ9",
      "abcdefghijklmnop0123",
      "0123456789abcdef0123456789abcdef",
      "QWxhZGRpbjpvcGVuIHNlc2FtZQ",
      "hunter2hunter2",
      "abcdefgh12345678",
    ]) {
      expect(scrubbed).not.toContain(secret);
    }
  });

  test("ordinary error text is left alone", () => {
    const text =
      "This model's maximum context length is 128000 tokens. However, you requested 130000 tokens " +
      "(skipping nothing). Model claude-sonnet-4-5-20250929 at /v1/chat/completions, request " +
      "req_011CSHoEeqs5C35K2UUqR7Fy.";
    expect(createRedactor([])(text)).toBe(text);
  });

  test("a composite credential's long parts are scrubbed one by one", () => {
    const secrets = secretsOfCredential("AKIDEXAMPLE0000000::secretaccesskeyvalue1234::us-east-1");
    expect(secrets).toContain("secretaccesskeyvalue1234");
    expect(secrets).not.toContain("us-east-1");
  });

  test("upstreamToGatewayError keeps the status class and param, scrubbed", () => {
    const error = upstreamToGatewayError(
      {
        kind: "invalid_request",
        message: `no model for ${ORG_CREDENTIAL}`,
        status: 404,
        param: "model",
      },
      "openai/gpt-4o",
      redact,
    );
    expect(error.status).toBe(404);
    expect(error.details.param).toBe("model");
    expect(error.message).toBe("openai/gpt-4o: invalid request: no model for [redacted]");
    const quotedParam = upstreamToGatewayError(
      { kind: "invalid_request", message: "m", status: 400, param: `x ${ORG_CREDENTIAL}` },
      "p/m",
      redact,
    );
    expect(quotedParam.details.param).toBeUndefined();
  });
});

describe("an error event inside a fast-path stream", () => {
  const leaking = JSON.stringify({
    error: { message: `quota for ${ORG_CREDENTIAL} exceeded`, type: "rate_limit_error", code: "x" },
  });
  const openAiInput =
    'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
    `data: ${leaking}\n\n`;
  const anthropicInput =
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\"error\\""}}\n\n' +
    `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy for ${ORG_CREDENTIAL}"}}\n\n`;

  test("OpenAI: the error chunk is the gateway's, scrubbed; the chunks before pass byte for byte", async () => {
    for (const pieceSize of [1, 9, 100_000]) {
      const output = createOpenAiPassthroughStream(bytesStream(openAiInput, pieceSize), {
        stripUsageChunk: false,
        onUsage: () => {},
        redact,
      });
      const text = await new Response(output).text();
      expect(text).not.toContain(ORG_CREDENTIAL);
      const [first, second] = text.split("\n\n");
      expect(`${first}\n\n`).toBe(`${openAiInput.split("\n\n")[0]}\n\n`);
      const error = JSON.parse((second ?? "").slice("data: ".length)).error;
      expect(error.message).toBe("quota for [redacted] exceeded");
      expect(error.code).toBe("rate_limited");
    }
  });

  test("Anthropic: the error event keeps its type, its message scrubbed; text events pass", async () => {
    for (const pieceSize of [1, 13, 100_000]) {
      const output = createAnthropicPassthroughStream(bytesStream(anthropicInput, pieceSize), {
        onUsage: () => {},
        redact,
      });
      const text = await new Response(output).text();
      expect(text).not.toContain(ORG_CREDENTIAL);
      expect(text.startsWith(anthropicInput.split("\n\n")[0] ?? "")).toBe(true);
      expect(text).toContain(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy for [redacted]"}}\n\n',
      );
    }
  });
});
