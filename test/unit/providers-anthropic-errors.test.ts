// Anthropic error answers → the closed upstream error set, with retry-after, without keys.
import { describe, expect, test } from "bun:test";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { HAND_WRITTEN, readJson } from "./providers-anthropic-helpers.ts";

interface ErrorCase {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const cases = (await readJson(HAND_WRITTEN, "anthropic-errors.json")) as Record<string, ErrorCase>;

function parse(name: string) {
  const errorCase = cases[name];
  if (!errorCase) throw new Error(`no case ${name}`);
  return anthropicAdapter.parseError(
    errorCase.status,
    JSON.stringify(errorCase.body),
    new Headers(errorCase.headers),
  );
}

describe("parseError", () => {
  test.each([
    ["overloaded", "overloaded", 529],
    ["rate-limited", "rate_limited", 429],
    ["prompt-too-long", "context_length", 400],
    ["authentication", "auth", 401],
    ["permission", "auth", 403],
    ["invalid-request", "invalid_request", 400],
    ["not-found", "invalid_request", 404],
    ["api-error", "upstream_error", 500],
  ])("%s → %s", (name, kind, status) => {
    const error = parse(name);
    expect(error.kind).toBe(kind as never);
    expect(error.status).toBe(status);
    const body = cases[name]?.body as { error: { message: string } } | undefined;
    expect(error.message).toBe(body?.error.message as string);
  });

  test("429 carries retry-after", () => {
    expect(parse("rate-limited").retryAfterSeconds).toBe(17);
    expect(parse("overloaded").retryAfterSeconds).toBeUndefined();
    const dated = anthropicAdapter.parseError(
      429,
      "",
      new Headers({ "retry-after": new Date(Date.now() + 30_000).toUTCString() }),
    );
    expect(dated.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(dated.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  test("the status decides when the body is not Anthropic's", () => {
    const kind = (status: number, body = "<html>Bad Gateway</html>") =>
      anthropicAdapter.parseError(status, body, new Headers()).kind;
    expect(kind(529)).toBe("overloaded");
    expect(kind(429)).toBe("rate_limited");
    expect(kind(401)).toBe("auth");
    expect(kind(504)).toBe("timeout");
    expect(kind(503)).toBe("overloaded");
    expect(kind(502)).toBe("upstream_error");
    expect(kind(413)).toBe("invalid_request");
    expect(anthropicAdapter.parseError(502, "", new Headers()).message).toBe("HTTP 502");
    expect(
      anthropicAdapter.parseError(502, "<html>Bad Gateway</html>", new Headers()).message,
    ).toBe("HTTP 502 with a body that is not the provider's error shape");
  });

  test("a 529 wins over a type that says otherwise; billing goes to the next provider", () => {
    const body = (type: string) => JSON.stringify({ type: "error", error: { type, message: "m" } });
    expect(anthropicAdapter.parseError(529, body("api_error"), new Headers()).kind).toBe(
      "overloaded",
    );
    expect(anthropicAdapter.parseError(400, body("billing_error"), new Headers()).kind).toBe(
      "auth",
    );
    expect(anthropicAdapter.parseError(504, body("timeout_error"), new Headers()).kind).toBe(
      "timeout",
    );
  });

  test("keys in a message are redacted", () => {
    const body = JSON.stringify({
      type: "error",
      error: {
        type: "authentication_error",
        message: "invalid x-api-key sk-ant-api03-abcdefghijklmnop",
      },
    });
    const error = anthropicAdapter.parseError(401, body, new Headers());
    expect(error.message).not.toContain("sk-ant-api03");
    expect(error.message).toContain("[redacted]");
  });
});
