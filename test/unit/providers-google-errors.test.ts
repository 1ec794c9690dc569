// The Gemini adapter's error mapping: the recorded 429 with RetryInfo and hand-written bodies
// for the other statuses, into the closed upstream error set.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { HAND_WRITTEN, RECORDINGS } from "./providers-google-replay.ts";

const parse = (status: number, folder: string, name: string, headers = new Headers()) =>
  googleAdapter.parseError(status, readFileSync(join(folder, name), "utf8"), headers);

describe("Gemini errors", () => {
  test("the recorded 429 is rate_limited, retried after its RetryInfo delay", () => {
    expect(parse(429, RECORDINGS, "google-429-retry-info.json")).toEqual({
      kind: "rate_limited",
      message: "You exceeded your current quota, please check your plan.",
      status: 429,
      // "34.4s", rounded up so the retry never comes early.
      retryAfterSeconds: 35,
    });
  });

  test("UNAVAILABLE is overloaded, INTERNAL an upstream error", () => {
    expect(parse(503, HAND_WRITTEN, "google-503-unavailable.json")).toMatchObject({
      kind: "overloaded",
      status: 503,
    });
    expect(parse(500, HAND_WRITTEN, "google-500-internal.json")).toMatchObject({
      kind: "upstream_error",
      status: 500,
    });
  });

  test("a prompt over the context window is context_length, not a plain invalid request", () => {
    expect(parse(400, HAND_WRITTEN, "google-400-token-limit.json")).toMatchObject({
      kind: "context_length",
      message:
        "The input token count (1200345) exceeds the maximum number of tokens allowed (1048576).",
    });
  });

  test("a bad key (a 400 on Gemini) and PERMISSION_DENIED are auth; keys never reach the message", () => {
    expect(parse(400, HAND_WRITTEN, "google-400-api-key-invalid.json").kind).toBe("auth");
    const denied = parse(403, HAND_WRITTEN, "google-403-permission-denied.json");
    expect(denied.kind).toBe("auth");
    expect(denied.message).not.toContain("AIzaSy");
    expect(denied.message).toContain("[redacted]");
  });

  test("without a Google body the HTTP status decides; Retry-After is read when no RetryInfo", () => {
    const headers = new Headers({ "retry-after": "7" });
    expect(googleAdapter.parseError(429, "Too Many Requests", headers)).toEqual({
      kind: "rate_limited",
      message: "HTTP 429 with a body that is not the provider's error shape",
      status: 429,
      retryAfterSeconds: 7,
    });
    expect(googleAdapter.parseError(401, "", new Headers()).kind).toBe("auth");
    expect(googleAdapter.parseError(404, "<html>", new Headers()).kind).toBe("invalid_request");
    expect(googleAdapter.parseError(502, "bad gateway", new Headers()).kind).toBe("upstream_error");
    expect(googleAdapter.parseError(504, "", new Headers()).kind).toBe("timeout");
  });

  test("an error body wrapped in an array (as some Gemini streams send it) is read", () => {
    const body = JSON.stringify([
      {
        error: {
          code: 400,
          message: "Request contains an invalid argument.",
          status: "INVALID_ARGUMENT",
        },
      },
    ]);
    expect(googleAdapter.parseError(400, body, new Headers())).toEqual({
      kind: "invalid_request",
      message: "Request contains an invalid argument.",
      status: 400,
    });
  });

  test("a key in a URL inside the message is redacted", () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: "bad url https://x.googleapis.com/v1beta/models?key=secret123&alt=sse",
        status: "INVALID_ARGUMENT",
      },
    });
    expect(googleAdapter.parseError(400, body, new Headers()).message).toBe(
      "bad url https://x.googleapis.com/v1beta/models?key=[redacted]&alt=sse",
    );
  });
});
