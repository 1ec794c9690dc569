// Cohere's error answers → the closed upstream error set, from hand-written bodies
// (test/fixtures/hand-written/cohere/cohere-errors.json): status first, a 400's wording next.
import { describe, expect, test } from "bun:test";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import { COHERE_HAND_WRITTEN, recording } from "./providers-cohere-helpers.ts";

interface ErrorCase {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  kind: string;
}

const cases = (await recording("cohere-errors.json", COHERE_HAND_WRITTEN)) as ErrorCase[];

describe("cohereAdapter.parseError", () => {
  for (const item of cases) {
    const text = typeof item.body === "string" ? item.body : JSON.stringify(item.body);
    test(`${item.status} ${text.slice(0, 50)} → ${item.kind}`, () => {
      const error = cohereAdapter.parseError(item.status, text, new Headers(item.headers));
      expect(error.kind).toBe(item.kind as typeof error.kind);
      expect(error.status).toBe(item.status);
      const message = (item.body as { message?: string }).message;
      // A body that is not Cohere's JSON (an HTML page) is never shown, only its status.
      expect(error.message).toBe(
        message ?? `HTTP ${item.status} with a body that is not the provider's error shape`,
      );
    });
  }

  test("retry-after is read in seconds", () => {
    const [rateLimited] = cases;
    const error = cohereAdapter.parseError(
      429,
      JSON.stringify(rateLimited?.body),
      new Headers({ "retry-after": "7" }),
    );
    expect(error.retryAfterSeconds).toBe(7);
  });

  test("an empty body still names the status; keys in a message are redacted", () => {
    expect(cohereAdapter.parseError(500, "", new Headers()).message).toBe("HTTP 500");
    const leaked = cohereAdapter.parseError(
      401,
      JSON.stringify({ message: "invalid api token sk-abcdef1234567890" }),
      new Headers(),
    );
    expect(leaked.message).toBe("invalid api token [redacted]");
  });
});
