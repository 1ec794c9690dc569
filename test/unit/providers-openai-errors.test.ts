// OpenAI-family error answers → the closed upstream error set, with retry-after and without
// anything key-like in the message.
import { describe, expect, test } from "bun:test";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import { openAiCompatibleAdapters } from "../../dataplane/providers/openai-compatible/index.ts";
import { recording } from "./providers-openai-helpers.ts";

const openAiError = (
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) => JSON.stringify({ error: { message, type, param, code } });

describe("parseError", () => {
  test("the recorded reasoning-model 400 is invalid_request with OpenAI's message", async () => {
    const body = JSON.stringify(
      await recording("openai/chat/reasoning-model-legacy-parameter-error.json"),
    );
    expect(openAiAdapter.parseError(400, body, new Headers())).toEqual({
      param: "max_tokens",
      kind: "invalid_request",
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      status: 400,
    });
  });

  test("429 with retry-after in seconds, in milliseconds, or as a date", () => {
    const body = openAiError("Rate limit reached for gpt-4o", "tokens", "rate_limit_exceeded");
    expect(openAiAdapter.parseError(429, body, new Headers({ "retry-after": "20" }))).toMatchObject(
      {
        kind: "rate_limited",
        retryAfterSeconds: 20,
      },
    );
    const both = new Headers({ "retry-after-ms": "1500", "retry-after": "9" });
    expect(openAiAdapter.parseError(429, body, both).retryAfterSeconds).toBe(2);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const fromDate =
      openAiAdapter.parseError(429, body, new Headers({ "retry-after": date })).retryAfterSeconds ??
      0;
    expect(fromDate).toBeGreaterThanOrEqual(28);
    expect(fromDate).toBeLessThanOrEqual(31);
    expect(openAiAdapter.parseError(429, body, new Headers()).retryAfterSeconds).toBeUndefined();
  });

  test("5xx: 503 overloaded, 500 and 502 upstream_error, 504 timeout", () => {
    const body = openAiError("The server had an error", "server_error", null);
    expect(openAiAdapter.parseError(503, body, new Headers({ "retry-after": "1" }))).toMatchObject({
      kind: "overloaded",
      retryAfterSeconds: 1,
    });
    expect(openAiAdapter.parseError(500, body, new Headers()).kind).toBe("upstream_error");
    expect(openAiAdapter.parseError(502, "<html>Bad gateway</html>", new Headers())).toMatchObject({
      kind: "upstream_error",
      message: "HTTP 502 with a body that is not the provider's error shape",
    });
    expect(openAiAdapter.parseError(504, "", new Headers())).toMatchObject({
      kind: "timeout",
      message: "HTTP 504",
    });
  });

  test("context_length_exceeded by code, and by message for vendors without the code", () => {
    const body = openAiError(
      "This model's maximum context length is 128000 tokens.",
      "invalid_request_error",
      "context_length_exceeded",
      "messages",
    );
    expect(openAiAdapter.parseError(400, body, new Headers()).kind).toBe("context_length");
    const deepseek = openAiError(
      "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens",
      "invalid_request_error",
      "invalid_request_error",
    );
    expect(openAiCompatibleAdapters.deepseek?.parseError(400, deepseek, new Headers()).kind).toBe(
      "context_length",
    );
  });

  test("401 and 403 are auth, and the key in OpenAI's message is redacted", () => {
    const body = openAiError(
      "Incorrect API key provided: sk-proj-abc1234567890xyz. You can find your API key at https://platform.openai.com/account/api-keys.",
      "invalid_request_error",
      "invalid_api_key",
    );
    const error = openAiAdapter.parseError(401, body, new Headers());
    expect(error.kind).toBe("auth");
    expect(error.message).not.toContain("sk-proj");
    expect(error.message).toContain("[redacted]");
    expect(
      openAiAdapter.parseError(
        403,
        openAiError(
          "Country not supported",
          "request_forbidden",
          "unsupported_country_region_territory",
        ),
        new Headers(),
      ).kind,
    ).toBe("auth");
  });

  test("content_filter, invalid_request, and vendor body shapes", () => {
    expect(
      openAiAdapter.parseError(
        400,
        openAiError(
          "Your request was rejected",
          "invalid_request_error",
          "content_policy_violation",
        ),
        new Headers(),
      ).kind,
    ).toBe("content_filter");
    expect(
      openAiAdapter.parseError(
        404,
        openAiError("The model `gpt-9` does not exist", "invalid_request_error", "model_not_found"),
        new Headers(),
      ),
    ).toMatchObject({ kind: "invalid_request", message: "The model `gpt-9` does not exist" });
    const mistral = JSON.stringify({
      object: "error",
      message: { detail: [{ type: "extra_forbidden", loc: ["body", "foo"] }] },
      type: "invalid_request_error",
      param: null,
      code: null,
    });
    const parsed = openAiCompatibleAdapters.mistral?.parseError(422, mistral, new Headers());
    expect(parsed?.kind).toBe("invalid_request");
    expect(parsed?.message).toContain("extra_forbidden");
    expect(
      openAiAdapter.parseError(400, JSON.stringify({ detail: "bad things" }), new Headers())
        .message,
    ).toBe("bad things");
    expect(
      openAiAdapter.parseError(400, JSON.stringify({ error: "plain string" }), new Headers())
        .message,
    ).toBe("plain string");
    expect(openAiAdapter.parseError(408, "", new Headers()).kind).toBe("timeout");
  });
});
